import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS } from '../../src/local/localAws';
import { framesForEvents } from '../../src/projections/progressFeed';
import { launchChromium } from '../support/chromium';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';
import type { PageReport } from './browserPage';

// Real headless Chromium (Debian's package; .ci/run installs it) loads a page
// that uses the browser bundle of the client against the whole local stack.
const TENANT = 'browser';
let harness: StackHarness;
let pageServer: Server;
let pageUrl: string;
let browser: Browser;

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Streamer client</title></head>
<body data-state="running"><h1>generate_report</h1><ul id="progress"></ul><pre id="result"></pre>
<script type="module" src="/client.js"></script></body></html>`;

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: ['test/client/browserPage.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Serves the page, its bundle and fresh tokens on 127.0.0.1. */
async function servePage(script: string, mintToken: () => Promise<string>): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (path === '/token') {
      void mintToken().then((token) => response.writeHead(200).end(token));
    } else {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  harness = await startStackHarness({ demoSpeed: 1 });
  const identity = harness.stack.devIdentity;
  if (!identity) throw new Error('the stack did not generate a dev key');
  pageServer = await servePage(await bundlePage(), () =>
    identity.mintToken({ sub: 'page-user', tenant_id: TENANT }),
  );
  const { port } = pageServer.address() as AddressInfo;
  pageUrl = `http://127.0.0.1:${port}/?ws=${encodeURIComponent(harness.stack.url)}`;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
  await harness?.stop();
});

async function pageConnections(): Promise<string[]> {
  const { Items = [] } = await harness.stack.dynamo.send(
    new ScanCommand({ TableName: harness.stack.tables.connections, ConsistentRead: true }),
  );
  return Items.map((item) => unmarshall(item))
    .filter((item) => item.tenantId === TENANT)
    .map((item) => String(item.connectionId));
}

describe('the client in a real browser', () => {
  it('follows generate_report through a forced disconnect and shows its complete', async () => {
    // Given a page that started generate_report and shows its first progress
    const page = await browser.newPage();
    await page.goto(pageUrl);
    await page.locator('#progress li').first().waitFor({ timeout: 30_000 });
    // When the server side drops the page's connection (Management API DELETE)
    const [connectionId] = await pageConnections();
    expect(connectionId).toBeDefined();
    const management = new ApiGatewayManagementApiClient({
      endpoint: harness.stack.managementEndpoint,
      ...LOCAL_AWS,
    });
    await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    management.destroy();
    // Then the page reconnects and shows the report's completion
    await page.locator('body[data-state="complete"]').waitFor({ timeout: 60_000 });
    expect(JSON.parse((await page.locator('#result').textContent()) ?? '{}')).toMatchObject({
      format: 'pdf',
      report_type: 'quarterly',
    });
    const report = (await page.evaluate(
      () => (globalThis as { streamerReport?: unknown }).streamerReport,
    )) as PageReport;
    expect(report.connectionEvents.filter((type) => type === 'open').length).toBeGreaterThan(1);
    // And it saw exactly the run's log: every frame, once, in order
    const runId = report.runId ?? '';
    expect(report.delivered).toEqual(framesForEvents(await harness.log(TENANT, runId), runId));
    await page.close();
  });
});
