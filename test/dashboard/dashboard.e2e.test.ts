import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { createClient, type StreamerClient } from '../../src/client';
import { createWorkflowRegistry } from '../../src/engine';
import { createDemoWorkflows } from '../../src/workflows';
import { launchChromium } from '../support/chromium';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';

// The dashboard in real headless Chromium (Debian's package, as in
// test/client/browser.e2e.test.ts), served by the local stack at
// /dashboard/, signed in with a JWT of tenant acme: it lists a run of the
// expense approval started through the client, lights its state on the
// drawn machine as it moves, approves it from the page, replays it, and
// shows a second tenant nothing. The screenshots are docs/inspect.md's
// (written to docs/images with STREAMER_DOCS_SCREENSHOTS=1, else to a
// temporary folder, so a test run leaves the repository as it was).
const SHOTS =
  process.env.STREAMER_DOCS_SCREENSHOTS === '1'
    ? join(import.meta.dirname, '..', '..', 'docs', 'images')
    : mkdtempSync(join(tmpdir(), 'streamer-dashboard-'));
const expense = { employee: 'ann', amountCents: 12_500, receipts: ['rcpt-1', 'rcpt-2', 'rcpt-3'] };
let harness: StackHarness;
let browser: Browser;
let client: StreamerClient;

async function tokenFor(tenant: string, sub: string): Promise<string> {
  const identity = harness.stack.devIdentity;
  if (!identity) throw new Error('the stack did not generate a dev key');
  return identity.mintToken({ sub, tenant_id: tenant });
}

/** A page of the dashboard signed in as `sub` of `tenant` (its own browser context: its own sessionStorage). */
async function signedIn(tenant: string, sub: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1240, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${harness.stack.dashboardUrl}#token=${await tokenFor(tenant, sub)}`);
  await page.locator('[data-connected="true"]').waitFor({ timeout: 30_000 });
  return page;
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  const path = join(SHOTS, name);
  await page.screenshot({ path, fullPage });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const demos = Object.values(createDemoWorkflows());
  harness = await startStackHarness({
    registry: createWorkflowRegistry([...demos, expenseApproval]),
  });
  client = createClient({ url: harness.stack.url, token: await tokenFor('acme', 'ann') });
  browser = await launchChromium();
});
afterAll(async () => {
  client?.close();
  await browser?.close();
  await harness?.stop();
});

describe('the dashboard', () => {
  it('lists a run, lights its state as it moves through the drawn machine, approves it, and replays it', async () => {
    const page = await signedIn('acme', 'ann');
    await page.locator('table.run-table[data-loaded="true"]').waitFor();
    client.start(
      'generate_report',
      { start_date: '2026-01-01', end_date: '2026-01-31', format: 'pdf', report_type: 'monthly' },
      { id: 'report-7' },
    );
    const run = client.start('expense_approval', expense, { id: 'expense-42' });

    // Listed with its live status
    const row = page.locator('tr[data-run="expense-42"]');
    await row.waitFor({ timeout: 30_000 });
    await page
      .locator('tr[data-run="report-7"][data-status="COMPLETED"]')
      .waitFor({ timeout: 30_000 });
    await shot(page, 'dashboard-runs.png');

    // The run page: the machine drawn, the approval wait lit, the finished step marked
    await row.locator('a').click();
    const chart = page.locator('.statechart-view[data-ready="true"]');
    await chart.waitFor();
    // Record every state the chart lights, from here on.
    await page.evaluate(`{
      const seen = (globalThis.seenStates = []);
      const view = document.querySelector('.statechart-view');
      const note = () => {
        const current = view.getAttribute('data-current');
        if (seen.at(-1) !== current) seen.push(current);
      };
      note();
      new MutationObserver(note).observe(view, { attributes: true, attributeFilter: ['data-current'] });
    }`);
    await page
      .locator('.statechart-view[data-current="expense_approval.awaitingApproval"]')
      .waitFor({ timeout: 30_000 });
    await expect(
      page.locator('[data-node="expense_approval.awaitingApproval"]').getAttribute('class'),
    ).resolves.toContain('is-current');
    await expect(
      page.locator('[data-node="expense_approval.checking"]').getAttribute('class'),
    ).resolves.toContain('is-visited');
    await expect(
      page.locator('[data-step="checkReceipts"]').getAttribute('class'),
    ).resolves.toContain('step-completed');
    // Only the events the waiting state accepts are offered
    await expect(
      page
        .locator('form.signal-form')
        .evaluateAll((forms) => forms.map((f) => f.getAttribute('data-signal'))),
    ).resolves.toEqual(['approve', 'reject']);
    await page.locator('.gantt-row[data-row="wait:expense_approval.awaitingApproval"]').waitFor();
    await shot(page, 'dashboard-run-waiting.png');

    // Approved from the page: the run pays out and completes
    await page.locator('form[data-signal="approve"] input[name="approver"]').fill('dana');
    await page.locator('form[data-signal="approve"] button[type="submit"]').click();
    await page
      .locator('.statechart-view[data-current="expense_approval.paid"]')
      .waitFor({ timeout: 30_000 });
    await page.locator('.run-header[data-status="COMPLETED"]').waitFor({ timeout: 30_000 });
    await expect(run.result).resolves.toEqual({ paid: true, transferId: 'tr-expense-42' });
    const seen = (await page.evaluate('globalThis.seenStates')) as string[];
    expect(seen.indexOf('expense_approval.awaitingApproval')).toBeGreaterThanOrEqual(0);
    expect(seen.indexOf('expense_approval.paid')).toBeGreaterThan(
      seen.indexOf('expense_approval.awaitingApproval'),
    );
    expect(await page.locator('form.signal-form').count()).toBe(0); // a finished run takes no events
    await shot(page, 'dashboard-run-complete.png', true);

    // The slider replays the log: at seq 2 (the step's start) the run was checking receipts
    await page.locator('.replay input[name="seq"]').fill('2');
    await page.locator('.statechart-view[data-current="expense_approval.checking"]').waitFor();
    await page.locator('.replay[data-replaying="true"]').waitFor();
    await expect(
      page.locator('[data-step="checkReceipts"]').getAttribute('class'),
    ).resolves.toContain('step-running');
    await shot(page, 'dashboard-replay.png');
    await page.context().close();
  });

  it("shows a second tenant's token none of it", async () => {
    const page = await signedIn('globex', 'eve');
    await page.locator('table.run-table[data-loaded="true"]').waitFor();
    await page.locator('.empty').waitFor();
    expect(await page.locator('tr[data-run]').count()).toBe(0);
    await page.evaluate("location.hash = '#/runs/expense-42'");
    await expect(
      page.locator('[data-error="true"]').textContent({ timeout: 30_000 }),
    ).resolves.toContain('Request expense-42 was not found');
    expect(await page.locator('.statechart-view').count()).toBe(0);
    await page.context().close();
  });
});
