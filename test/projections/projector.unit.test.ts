import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConnectionStore,
  InMemoryConnectionStore,
  InMemorySubscriptionStore,
  newConnectionRecord,
  newSubscriptionRecord,
  type SubscriptionStore,
} from '../../src/connections';
import type { FramePoster, PostOutcome } from '../../src/connections/framePoster';
import {
  type EventStore,
  InMemoryEventStore,
  type NewEvent,
  type StoredEvent,
} from '../../src/events';
import { frameForEvent } from '../../src/projections/progressFeed';
import { ProjectionCache } from '../../src/projections/projectionCache';
import { type ProjectorDeps, projectRequest } from '../../src/projections/projector';
import { foldRequestView, type RequestView } from '../../src/projections/requestView';
import type { ServerFrame } from '../../src/protocol';
import { InMemoryRequestViewStore } from '../../src/testing';

const KEY = 'acme#r1';

/** Views in memory with the DynamoDB store's rules, counting the projector's calls. */
class CountingViews extends InMemoryRequestViewStore {
  readonly calls: string[] = [];
  override get(requestKey: string) {
    this.calls.push('get');
    return super.get(requestKey);
  }
  override save(view: RequestView, subscriptionVersion?: number) {
    this.calls.push('save');
    return super.save(view, subscriptionVersion);
  }
  override saveProgress(view: RequestView, previousLastSeq: number, subscriptionVersion?: number) {
    this.calls.push('saveProgress');
    return super.saveProgress(view, previousLastSeq, subscriptionVersion);
  }
  /** The stored view, read without counting. */
  stored(requestKey: string) {
    return super.get(requestKey);
  }
}

/** Counts reads of the log. */
function countingStore(store: EventStore, reads: number[]): EventStore {
  return {
    append: (...args) => store.append(...args),
    read: (...args) => {
      reads.push(args[1]?.fromSeq ?? 1);
      return store.read(...args);
    },
  };
}

/** Records posts; connections without a record are gone. */
function recordingPoster(
  connections: ConnectionStore,
  posts: { to: string; frame: ServerFrame }[],
): FramePoster {
  return {
    async post(connectionId, frame): Promise<PostOutcome> {
      if (!(await connections.get(connectionId))) return 'gone';
      posts.push({ to: connectionId, frame });
      return 'sent';
    },
  };
}

async function world() {
  const log = new InMemoryEventStore();
  const connections = new InMemoryConnectionStore();
  const subscriptions = new InMemorySubscriptionStore();
  const subscriberQueries: string[] = [];
  const countedSubscriptions: SubscriptionStore = {
    put: (r) => subscriptions.put(r),
    delete: (key, id) => subscriptions.delete(key, id),
    deleteByConnection: (id) => subscriptions.deleteByConnection(id),
    listByRequest: (key) => {
      subscriberQueries.push(key);
      return subscriptions.listByRequest(key);
    },
  };
  await connections.put(
    newConnectionRecord({
      connectionId: 'c1',
      userId: 'ann',
      tenantId: 'acme',
      endpoint: 'x',
      connectedAt: 0,
    }),
  );
  const connectionGets: string[] = [];
  const countedConnections: ConnectionStore = {
    ...connections,
    put: (r) => connections.put(r),
    delete: (id) => connections.delete(id),
    touch: (id, at) => connections.touch(id, at),
    get: (id) => {
      connectionGets.push(id);
      return connections.get(id);
    },
  };
  const reads: number[] = [];
  const views = new CountingViews();
  const posts: { to: string; frame: ServerFrame }[] = [];
  const deps = (cache?: ProjectionCache): ProjectorDeps => ({
    store: countingStore(log, reads),
    views,
    connections: countedConnections,
    subscriptions: countedSubscriptions,
    poster: recordingPoster(connections, posts),
    frameFor: frameForEvent,
    ...(cache && { cache }),
  });
  return {
    log,
    connections,
    subscriptions,
    subscriberQueries,
    connectionGets,
    reads,
    views,
    posts,
    deps,
  };
}

const at = 1_700_000_000_000;
const base = { at, tenantId: 'acme', userId: 'ann' };
const accepted: NewEvent = {
  ...base,
  type: 'request.accepted',
  data: {
    action: 'echo_async',
    workflowVersion: 1,
    input: {},
    clientRequestId: 'r1',
    connectionId: 'c1',
    maxAttempts: 3,
  },
};
const started: NewEvent = {
  ...base,
  type: 'step.started',
  data: { stepId: 's', attempt: 1, leaseUntil: at + 60_000 },
};
const progress = (percentage: number): NewEvent => ({
  ...base,
  type: 'step.progress',
  data: { stepId: 's', percentage, message: `at ${percentage}` },
});
const done: NewEvent[] = [
  { ...base, type: 'step.completed', data: { stepId: 's', output: 1 } },
  { ...base, type: 'request.completed', data: { output: 1 } },
];

/** Appends `events` as one commit and returns what its stream record would carry. */
async function commit(log: InMemoryEventStore, events: NewEvent[]): Promise<StoredEvent[]> {
  const before = (await log.read(KEY)).length;
  await log.append(KEY, before, events);
  return log.read(KEY, { fromSeq: before + 1 });
}

describe('projectRequest with a cache and the events its records carry', () => {
  it('reads neither the log, nor the view, nor the connection once it holds them; progress passes write only progress', async () => {
    // Prepare
    const w = await world();
    const cache = new ProjectionCache();
    // Act
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [accepted]));
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [started]));
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(40)]));
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(80)]));
    await projectRequest(w.deps(cache), KEY, await commit(w.log, done));
    // Assess
    expect(w.reads).toEqual([]);
    expect(w.views.calls).toEqual(['save', 'save', 'saveProgress', 'saveProgress', 'save']);
    expect(w.connectionGets).toEqual(['c1']);
    expect(w.posts.map((p) => [p.frame.type, 'seq' in p.frame && p.frame.seq])).toEqual([
      ['progress', 3],
      ['progress', 4],
      ['complete', 6],
    ]);
    expect(await w.views.stored(KEY)).toEqual(foldRequestView(await w.log.read(KEY)));
  });

  it('reads the log from its view when a record is still to come, and nothing for a record already folded', async () => {
    const w = await world();
    const cache = new ProjectionCache();
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [accepted, started]));
    await commit(w.log, [progress(10)]); // its record comes later
    const third = await commit(w.log, [progress(20)]);
    await projectRequest(w.deps(cache), KEY, third);
    expect(w.reads).toEqual([3]);
    expect(w.views.calls).toEqual(['save', 'get', 'saveProgress']);
    const late = (await w.log.read(KEY, { fromSeq: 3 })).slice(0, 1);
    expect(await projectRequest(w.deps(cache), KEY, late)).toEqual({
      events: 0,
      framesSent: 0,
      viewSaved: false,
    });
    expect(w.reads).toEqual([3]);
    expect(w.posts.map((p) => 'seq' in p.frame && p.frame.seq)).toEqual([3, 4]);
  });

  it('a stale cached view fails its save and is dropped; a gap uses the newer stored view instead', async () => {
    const w = await world();
    const mine = new ProjectionCache();
    const theirs = new ProjectionCache();
    await projectRequest(w.deps(mine), KEY, await commit(w.log, [accepted]));
    const second = await commit(w.log, [started]);
    const third = await commit(w.log, [progress(30)]);
    // Another container projects 2 and 3 first.
    await projectRequest(w.deps(theirs), KEY, [...second, ...third]);
    // A gap for this one: it reads the stored view and folds only what that lacks.
    const fourth = await commit(w.log, [progress(60)]);
    await projectRequest(w.deps(mine), KEY, fourth);
    expect(w.posts.map((p) => 'seq' in p.frame && p.frame.seq)).toEqual([3, 4]);
    // A redelivered old record folds onto a stale copy: its save fails and the copy goes.
    const stale = new ProjectionCache();
    stale.rememberView(foldRequestView((await w.log.read(KEY)).slice(0, 2)) as RequestView);
    const result = await projectRequest(w.deps(stale), KEY, third);
    expect(result.viewSaved).toBe(false);
    expect(stale.view(KEY)).toBeUndefined();
    expect(await w.views.stored(KEY)).toEqual(foldRequestView(await w.log.read(KEY)));
  });

  it('forgets a gone connection and never posts to another tenant, subscribed or cached', async () => {
    const w = await world();
    const cache = new ProjectionCache();
    await w.connections.put(
      newConnectionRecord({
        connectionId: 'g1',
        userId: 'eve',
        tenantId: 'globex',
        endpoint: 'x',
        connectedAt: 0,
      }),
    );
    await w.subscriptions.put(
      newSubscriptionRecord({
        requestKey: KEY,
        connectionId: 'g1',
        tenantId: 'acme',
        userId: 'eve',
        requestId: 'r1',
        subscribedAt: 0,
      }),
    );
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [accepted, started]));
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(50)]));
    await w.connections.delete('c1');
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(60)]));
    expect(cache.connectionTenant('c1')).toBeUndefined();
    expect(w.posts.map((p) => p.to)).toEqual(['c1']);
  });
});

/** Connection `s1` of tenant acme, subscribed to KEY, announced as the router does. */
async function subscribeS1(w: Awaited<ReturnType<typeof world>>): Promise<void> {
  await w.connections.put(
    newConnectionRecord({
      connectionId: 's1',
      userId: 'bob',
      tenantId: 'acme',
      endpoint: 'x',
      connectedAt: 0,
    }),
  );
  await w.subscriptions.put(
    newSubscriptionRecord({
      requestKey: KEY,
      connectionId: 's1',
      tenantId: 'acme',
      userId: 'bob',
      requestId: 'r1',
      subscribedAt: 0,
    }),
  );
  await w.views.subscribersChanged(KEY);
}

describe('projectRequest keeps subscriber lists between passes', () => {
  it('never queries the subscriptions of a request nobody ever subscribed to, nor again while none change', async () => {
    const w = await world();
    const cache = new ProjectionCache();
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [accepted, started]));
    for (const percentage of [20, 40, 60]) {
      await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(percentage)]));
    }
    await projectRequest(w.deps(cache), KEY, await commit(w.log, done));
    expect(w.subscriberQueries).toEqual([]);
    expect(w.posts.map((p) => p.frame.type)).toEqual([
      'progress',
      'progress',
      'progress',
      'complete',
    ]);
  });

  it('a subscription between passes fails the next save, which reads the list again and posts that pass to the newcomer', async () => {
    const w = await world();
    const cache = new ProjectionCache();
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [accepted, started]));
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(20)]));
    await subscribeS1(w);
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(40)]));
    await projectRequest(w.deps(cache), KEY, await commit(w.log, done));
    expect(w.subscriberQueries).toEqual([KEY]);
    expect(w.posts.filter((p) => p.to === 's1').map((p) => p.frame.type)).toEqual([
      'progress',
      'complete',
    ]);
    expect(w.views.calls.slice(-3)).toEqual(['saveProgress', 'saveProgress', 'save']);
  });

  it('a subscription made while a pass posts (after its query, before its save) still gets that pass', async () => {
    const w = await world();
    const cache = new ProjectionCache();
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [accepted, started]));
    const deps = w.deps(); // no cache: this pass queries, and the subscription lands right after
    const racing: ProjectorDeps = {
      ...deps,
      subscriptions: {
        ...deps.subscriptions,
        listByRequest: async (key) => {
          const list = await deps.subscriptions.listByRequest(key);
          if (!w.posts.some((p) => p.to === 's1')) await subscribeS1(w);
          return list;
        },
      },
    };
    await projectRequest(racing, KEY, await commit(w.log, [progress(30)]));
    expect(w.posts.map((p) => [p.to, p.frame.type])).toEqual([
      ['c1', 'progress'],
      ['s1', 'progress'],
    ]);
  });

  it('drops a subscriber that answered 410 from the list it keeps', async () => {
    const w = await world();
    const cache = new ProjectionCache();
    await subscribeS1(w);
    await projectRequest(
      w.deps(cache),
      KEY,
      await commit(w.log, [accepted, started, progress(10)]),
    );
    await w.connections.delete('s1');
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(20)]));
    await projectRequest(w.deps(cache), KEY, await commit(w.log, [progress(30)]));
    expect(w.posts.filter((p) => p.to === 's1').map((p) => p.frame.type)).toEqual(['progress']);
    expect(cache.subscribers(KEY)?.subscriptions).toEqual([]);
  });
});

describe('projectRequest under any commit split and any delivery of its records', () => {
  it('ends with the fold of the log and every frame sent, to the owner and to a subscriber from when it subscribed, whatever the batches (invariant 8)', async () => {
    const script: NewEvent[] = [
      accepted,
      started,
      progress(10),
      progress(30),
      progress(20),
      progress(70),
      ...done,
    ];
    const plan = fc.record({
      /** Where commits end (each index a cut after that event). */
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: script.length - 1 })),
      /** Which commit records each pass is handed: a shuffled list, some twice, some passes with a cold cache. */
      deliveries: fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.boolean()), {
        minLength: 1,
        maxLength: 12,
      }),
      /** Before which pass a second connection subscribes (past the end: never). */
      subscribeBefore: fc.nat({ max: 13 }),
    });
    await fc.assert(
      fc.asyncProperty(plan, async ({ cuts, deliveries, subscribeBefore }) => {
        const w = await world();
        const ends = [...cuts.sort((a, b) => a - b), script.length];
        const records: StoredEvent[][] = [];
        let from = 0;
        for (const end of ends) {
          records.push(await commit(w.log, script.slice(from, end)));
          from = end;
        }
        let cache = new ProjectionCache();
        const pending = new Set(records.keys());
        // Frames of events the stored view already holds when it subscribes are the router's catch-up's.
        let subscribedAfter: number | undefined;
        for (const [pass, [pick, withNext, coldCache]] of deliveries.entries()) {
          if (pass === subscribeBefore) {
            subscribedAfter = (await w.views.stored(KEY))?.lastSeq ?? 0;
            await subscribeS1(w);
          }
          if (coldCache) cache = new ProjectionCache();
          const first = pick % records.length;
          const batch = [first, ...(withNext ? [(first + 1) % records.length] : [])];
          for (const index of batch) pending.delete(index);
          await projectRequest(
            w.deps(cache),
            KEY,
            batch.flatMap((index) => records[index] ?? []),
          );
        }
        // Every record is delivered at least once, in the end.
        for (const index of pending) await projectRequest(w.deps(cache), KEY, records[index] ?? []);
        const log = await w.log.read(KEY);
        expect(await w.views.stored(KEY)).toEqual(foldRequestView(log));
        const seqsTo = (to: string) =>
          new Set(w.posts.filter((p) => p.to === to).map((p) => 'seq' in p.frame && p.frame.seq));
        const framed = log.filter((event) => frameForEvent(event, 'r1')).map((event) => event.seq);
        for (const seq of framed) expect(seqsTo('c1').has(seq)).toBe(true);
        const late = framed.filter((seq) => subscribedAfter !== undefined && seq > subscribedAfter);
        for (const seq of late) expect(seqsTo('s1').has(seq)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
