import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, step } from '../../src/engine';
import {
  createTestEngine,
  HistoryReplayError,
  machinePaths,
  PathMismatchError,
  recordHistory,
  replayHistories,
  runMachinePath,
} from '../../src/testing/index';

/** A small approval flow; `accepts` renames its event, as a careless edit would. */
function approvalFlow(version: number, accepts = 'approve') {
  const prepare = step(async () => ({ ok: true }));
  return defineWorkflow({
    action: 'approve_flow',
    version,
    estimatedDuration: 60_000,
    input: z.object({ amount: z.number() }),
    machine: setup({ actors: { prepare } }).createMachine({
      id: 'approve_flow',
      initial: 'preparing',
      states: {
        preparing: { invoke: { id: 'prepare', src: 'prepare', onDone: 'waiting' } },
        waiting: { on: { [accepts]: 'done' } },
        done: { type: 'final' },
      },
    }),
  });
}

async function recorded(dir: string) {
  const engine = createTestEngine({ workflows: [approvalFlow(1)] });
  await engine.start('approve_flow', { amount: 3 }, { id: 'g' });
  await engine.runUntilIdle();
  await engine.signal('g', { type: 'approve' });
  await engine.runUntilIdle();
  return recordHistory(engine, 'g', { file: join(dir, 'approve_flow.v1.json') });
}

describe('golden histories', () => {
  it('replay while the machine is unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'histories-'));
    const history = await recorded(dir);
    expect(history.view.status).toBe('COMPLETED');
    expect(replayHistories(dir, [approvalFlow(1)])).toEqual([
      {
        file: join(dir, 'approve_flow.v1.json'),
        action: 'approve_flow',
        version: 1,
        result: 'replayed',
      },
    ]);
  });

  it('fail for a changed machine without a version bump, naming the file and the event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'histories-'));
    const history = await recorded(dir);
    const signalled = history.events.find((event) => event.type === 'request.signalled');
    let error: unknown;
    try {
      replayHistories(dir, [approvalFlow(1, 'accept')]);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(HistoryReplayError);
    const [problem] = (error as HistoryReplayError).problems;
    expect(problem).toMatchObject({
      file: join(dir, 'approve_flow.v1.json'),
      seq: signalled?.seq,
      eventType: 'request.signalled',
    });
    expect(problem?.problem).toContain('bump the version');
    expect(problem?.problem).toContain('does not accept "approve"');
  });

  it('after a bump, refuse the old version and ask for a history of the new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'histories-'));
    await recorded(dir);
    expect(() => replayHistories(dir, [approvalFlow(2, 'accept')])).toThrow(
      /approve_flow\.v2\.json.*no history at the current version/,
    );
    expect(
      replayHistories(dir, [approvalFlow(2, 'accept')], { requireCurrent: false }).map(
        (r) => r.result,
      ),
    ).toEqual(['refused']);
  });
});

describe('machine paths', () => {
  it('report a request that does not end where the graph says', async () => {
    const paths = machinePaths(approvalFlow(1), { input: { amount: 1 }, failures: false });
    expect(paths.map((p) => p.name)).toEqual(['prepare ✓ → approve ⇒ "done"']);
    const [path] = paths;
    if (!path) return;
    const wrong = { ...path, expected: { ...path.expected, state: 'waiting' } };
    await expect(runMachinePath(approvalFlow(1), wrong)).rejects.toBeInstanceOf(PathMismatchError);
  });
});
