import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { commitWakeUpAt } from '../../src/engine';
import type { NewEvent } from '../../src/events';
import { prepareCommit } from '../../src/events/commitItem';
import { dispatchWakeUps } from '../../src/processor/dispatch';
import type { WakeUp } from '../../src/queues/wakeUpQueue';

const NOW = 1_767_225_600_000;
const base = { at: NOW, tenantId: 'acme', userId: 'ann' };
const accepted: NewEvent = {
  ...base,
  type: 'request.accepted',
  data: {
    action: 'a',
    workflowVersion: 1,
    input: {},
    clientRequestId: 'r1',
    maxAttempts: 3,
  },
};
const started = (stepId: string, leaseUntil?: number): NewEvent => ({
  ...base,
  type: 'step.started',
  data: { stepId, attempt: 1, ...(leaseUntil !== undefined && { leaseUntil }) },
});
const completed = (stepId: string): NewEvent => ({
  ...base,
  type: 'step.completed',
  data: { stepId, output: 1 },
});
const progress: NewEvent = {
  ...base,
  type: 'step.progress',
  data: { stepId: 'a', percentage: 50, message: 'half' },
};
const ended: NewEvent = { ...base, type: 'request.completed', data: { output: 1 } };

/** The stream record of one commit of `events` after `version` events of `requestKey`. */
function recordOf(requestKey: string, version: number, events: NewEvent[]): DynamoDBRecord {
  const [item] = prepareCommit(requestKey, version, events);
  const image = marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true });
  return {
    eventName: 'INSERT',
    dynamodb: {
      Keys: { requestKey: image.requestKey as never, seq: image.seq as never },
      NewImage: image as never,
      SequenceNumber: `${version + 1}`.padStart(21, '0'),
    },
  };
}

async function dispatched(records: DynamoDBRecord[]): Promise<WakeUp[]> {
  const sent: WakeUp[] = [];
  await dispatchWakeUps(
    { wakeUps: { schedule: async (wakeUp) => void sent.push(wakeUp) }, clock: () => NOW },
    records,
  );
  return sent;
}

describe('dispatchWakeUps: when a commit wakes its request', () => {
  it('wakes a request the router wrote to now, and a runner commit that took a lease when the lease ends', async () => {
    expect(await dispatched([recordOf('acme#r1', 0, [accepted])])).toEqual([
      { requestKey: 'acme#r1', dueAt: NOW },
    ]);
    expect(await dispatched([recordOf('acme#r1', 1, [started('a', NOW + 60_000)])])).toEqual([
      { requestKey: 'acme#r1', dueAt: NOW + 60_000 },
    ]);
  });

  it('sends nothing for a runner that goes on after an outcome of its own: the next lease, or the end', async () => {
    expect(
      await dispatched([recordOf('acme#r1', 3, [completed('a'), started('b', NOW + 30_000)])]),
    ).toEqual([]);
    expect(await dispatched([recordOf('acme#r1', 3, [completed('b'), ended])])).toEqual([]);
  });

  it('wakes now for an outcome alone (a child may have stored it in its parent), and never for progress alone', async () => {
    expect(await dispatched([recordOf('acme#r1', 3, [completed('b')])])).toEqual([
      { requestKey: 'acme#r1', dueAt: NOW },
    ]);
    expect(await dispatched([recordOf('acme#r1', 3, [ended])])).toEqual([
      { requestKey: 'acme#r1', dueAt: NOW },
    ]);
    expect(await dispatched([recordOf('acme#r1', 2, [progress])])).toEqual([]);
  });

  it('sends one wake-up per request of a batch, due at its earliest record that needs one', async () => {
    const records = [
      recordOf('acme#r1', 0, [accepted]),
      recordOf('acme#r1', 1, [started('a', NOW + 60_000)]),
      recordOf('acme#r2', 1, [started('a', NOW + 5_000)]),
      recordOf('acme#r2', 2, [progress]),
      recordOf('acme#r2', 3, [completed('a'), ended]),
    ];
    expect(await dispatched(records)).toEqual([
      { requestKey: 'acme#r1', dueAt: NOW },
      { requestKey: 'acme#r2', dueAt: NOW + 5_000 },
    ]);
  });
});

describe('commitWakeUpAt', () => {
  it('takes the earliest of several leases, and now when a start carries none or a lease already ended', () => {
    const parallel = [started('a', NOW + 9_000), started('b', NOW + 4_000)];
    expect(commitWakeUpAt(parallel, NOW)).toBe(NOW + 4_000);
    expect(commitWakeUpAt([started('a')], NOW)).toBe(NOW);
    expect(commitWakeUpAt([started('a', NOW - 1)], NOW)).toBe(NOW);
  });

  it('wakes now for a step outcome that starts nothing (the run waits: a retry, a timer, a signal)', () => {
    expect(commitWakeUpAt([completed('a')], NOW)).toBe(NOW);
  });

  it('wakes now when a commit with a runner outcome also holds work of others (a cancel, a signal)', () => {
    const cancelled: NewEvent = { ...base, type: 'request.cancelled', data: {} };
    expect(commitWakeUpAt([completed('a'), cancelled], NOW)).toBe(NOW);
  });
});
