import { describe, expect, it } from 'vitest';
import { createWorkflowRegistry } from '../../src/engine';
import { RunLog } from '../../src/engine/runLog';
import { createDemoWorkflows } from '../../src/workflows';
import { createHarness } from './support/harness';

const demos = createDemoWorkflows({ speed: 500 });

describe('RunLog: a running step writes nothing after the request ended', () => {
  it("given this runner's own commit ended the request, when a step still running reports progress, then it is told its lease is lost and the log ends at the end", async () => {
    const harness = createHarness(createWorkflowRegistry([demos.echo_async]));
    const { requestKey } = await harness.submit('echo_async', { message: 'a' });
    const deps = { ...harness, requestKey, clock: () => 1_000 };
    const log = await RunLog.open(deps);
    if (!log) throw new Error('the request was not accepted');
    const started = log.event('step.started', {
      stepId: 'receive',
      attempt: 1,
      leaseUntil: 60_000,
    });
    expect(await log.commit([started])).toEqual({ kind: 'committed' });
    const error = { name: 'Error', message: 'a sibling failed for good', retryable: false };
    const ended = log.event('request.failed', { error, attempts: 1 });
    expect(await log.commit([ended])).toEqual({ kind: 'committed' });

    const progress = log.event('step.progress', {
      stepId: 'receive',
      percentage: 90,
      message: 'late',
    });
    const written = await log.writeWhileRunning([progress], { stepId: 'receive', startedSeq: 2 });

    expect(written).toEqual({ kind: 'lost', reason: 'lost' });
    const types = (await harness.store.read(requestKey)).map((event) => event.type);
    expect(types).toEqual(['request.accepted', 'step.started', 'request.failed']);
  });
});
