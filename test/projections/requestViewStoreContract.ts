import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/events';
import type { RequestViewStore, SubscriberChanges } from '../../src/projections/projector';
import { foldRequestView, type RequestView } from '../../src/projections/requestView';

/** A request view store as the projector and the router use it. */
export type ViewStoreUnderTest = RequestViewStore &
  SubscriberChanges & { saveProgress: NonNullable<RequestViewStore['saveProgress']> };

const at = 1_700_000_000_000;

/** The view of a fresh request after `progressEvents` progress updates (its `lastSeq` is 2 + that). */
function viewAt(requestKey: string, progressEvents: number): RequestView {
  const base = { at, tenantId: 'acme', userId: 'ann' };
  const events: StoredEvent[] = [
    {
      ...base,
      seq: 1,
      type: 'request.accepted',
      data: {
        action: 'echo_async',
        workflowVersion: 1,
        input: {},
        clientRequestId: requestKey.split('#')[1] ?? 'r',
        connectionId: 'c1',
        maxAttempts: 3,
      },
    },
    { ...base, seq: 2, type: 'step.started', data: { stepId: 's', attempt: 1, leaseUntil: at } },
  ] as StoredEvent[];
  for (let k = 1; k <= progressEvents; k++) {
    events.push({
      ...base,
      seq: 2 + k,
      type: 'step.progress',
      data: { stepId: 's', percentage: 10 * k, message: `at ${10 * k}` },
    } as StoredEvent);
  }
  const view = foldRequestView(events);
  if (!view) throw new Error('no view');
  return { ...view, requestKey };
}

/**
 * The behaviour every request view store must show — the `lastSeq` rule
 * and the subscription version the projector keeps subscriber lists by —
 * run by the in-memory twin's unit test and the DynamoDB adapter's
 * integration test.
 */
export function describeRequestViewStoreContract(
  adapter: string,
  makeStore: () => Promise<ViewStoreUnderTest>,
) {
  describe(`RequestViewStore contract: ${adapter}`, () => {
    const freshKey = () => `acme#${ulid()}`;

    it('saves a newer view only, and reads back what landed', async () => {
      const views = await makeStore();
      const key = freshKey();
      expect(await views.save(viewAt(key, 1))).toEqual({ kind: 'saved' });
      expect(await views.save(viewAt(key, 1))).toEqual({ kind: 'stale' });
      expect(await views.save(viewAt(key, 0))).toEqual({ kind: 'stale' });
      expect(await views.save(viewAt(key, 2))).toEqual({ kind: 'saved' });
      expect(await views.get(key)).toEqual(viewAt(key, 2));
    });

    it('a subscription change refuses saves at the old version, naming the new one, and is kept by later saves', async () => {
      const views = await makeStore();
      const key = freshKey();
      await views.save(viewAt(key, 0));
      await views.subscribersChanged(key);
      expect(await views.save(viewAt(key, 1))).toEqual({
        kind: 'resubscribed',
        subscriptionVersion: 1,
      });
      expect(await views.save(viewAt(key, 1), 1)).toEqual({ kind: 'saved' });
      await views.subscribersChanged(key);
      expect(await views.save(viewAt(key, 2), 1)).toEqual({
        kind: 'resubscribed',
        subscriptionVersion: 2,
      });
      expect(await views.save(viewAt(key, 2), 2)).toEqual({ kind: 'saved' });
      expect(await views.get(key)).toEqual(viewAt(key, 2));
    });

    it('a subscription before the first view leaves no view to read, and the first save must name its version', async () => {
      const views = await makeStore();
      const key = freshKey();
      await views.subscribersChanged(key);
      expect(await views.get(key)).toBeUndefined();
      expect(await views.save(viewAt(key, 0))).toEqual({
        kind: 'resubscribed',
        subscriptionVersion: 1,
      });
      expect(await views.save(viewAt(key, 0), 1)).toEqual({ kind: 'saved' });
      expect(await views.get(key)).toEqual(viewAt(key, 0));
    });

    it('stores progress only over the view it started from, at the version named', async () => {
      const views = await makeStore();
      const key = freshKey();
      await views.save(viewAt(key, 1));
      expect(await views.saveProgress(viewAt(key, 3), 2)).toEqual({ kind: 'stale' });
      expect(await views.saveProgress(viewAt(key, 2), 3)).toEqual({ kind: 'saved' });
      await views.subscribersChanged(key);
      expect(await views.saveProgress(viewAt(key, 3), 4)).toEqual({
        kind: 'resubscribed',
        subscriptionVersion: 1,
      });
      expect(await views.saveProgress(viewAt(key, 3), 4, 1)).toEqual({ kind: 'saved' });
      expect(await views.get(key)).toEqual(viewAt(key, 3));
    });

    it('a stale save wins over a changed version: the newer view decides', async () => {
      const views = await makeStore();
      const key = freshKey();
      await views.save(viewAt(key, 2));
      await views.subscribersChanged(key);
      expect(await views.save(viewAt(key, 1))).toEqual({ kind: 'stale' });
    });
  });
}
