import { describe, expect, it } from 'vitest';
import { InMemoryEventStore, VersionConflictError } from '../../src/events';
import { describeEventStoreContract } from './eventStoreContract';

describeEventStoreContract('in-memory twin', async () => ({ store: new InMemoryEventStore() }));

describe('InMemoryEventStore, beyond the contract', () => {
  it('also rejects an expectedVersion ahead of the log, which would leave a gap', async () => {
    const store = new InMemoryEventStore();
    const event = { type: 't', at: 0, tenantId: 'acme', userId: 'u', data: null };
    await store.append('acme#r', 0, [event]);
    await expect(store.append('acme#r', 5, [event])).rejects.toMatchObject({
      constructor: VersionConflictError,
      expectedVersion: 5,
      actualVersion: 1,
    });
  });
});
