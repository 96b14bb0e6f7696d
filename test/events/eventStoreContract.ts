import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  AppendTooLargeError,
  type EventStore,
  EventTooLargeError,
  type NewEvent,
  VersionConflictError,
} from '../../src/events';

/**
 * The behaviour every `EventStore` adapter must show. Run by the in-memory
 * twin's unit test and the DynamoDB adapter's integration test, so the twin
 * can stand in for DynamoDB only as far as this suite proves.
 *
 * `makeStore` returns a store over an empty log space; `pagedStore`, when
 * given, must page its reads in small pages so pagination is exercised.
 */
export function describeEventStoreContract(
  adapter: string,
  makeStore: () => Promise<{ store: EventStore; pagedStore?: EventStore }>,
): void {
  describe(`EventStore contract: ${adapter}`, () => {
    const newRequestId = () => `acme#${ulid()}`;
    const event = (n: number, data: unknown = { n }): NewEvent => ({
      type: `test.event_${n}`,
      at: 1_700_000_000_000 + n,
      tenantId: 'acme',
      userId: 'user-1',
      data,
    });

    it('reads back exactly what was appended, with dense seq from 1', async () => {
      // Prepare
      const { store } = await makeStore();
      const id = newRequestId();
      const data = {
        text: 'héllo 👋',
        nested: { list: [1, 2.5, null, ''], flag: false },
        big: 2 ** 53 - 1,
      };
      // Act
      const v1 = await store.append(id, 0, [event(1, data)]);
      const v3 = await store.append(id, 1, [event(2), event(3)]);
      const events = await store.read(id);
      // Assess
      expect([v1, v3]).toEqual([1, 3]);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(events[0]).toEqual({
        requestKey: id,
        seq: 1,
        type: 'test.event_1',
        at: 1_700_000_000_001,
        tenantId: 'acme',
        userId: 'user-1',
        data,
        schemaVersion: 1,
      });
    });

    it('reads from a given seq and returns nothing for an unknown request', async () => {
      const { store } = await makeStore();
      const id = newRequestId();
      await store.append(id, 0, [event(1), event(2), event(3)]);
      expect((await store.read(id, { fromSeq: 2 })).map((e) => e.seq)).toEqual([2, 3]);
      expect(await store.read(newRequestId())).toEqual([]);
    });

    it('rejects a stale expectedVersion with the actual version, writing nothing', async () => {
      const { store } = await makeStore();
      const id = newRequestId();
      await store.append(id, 0, [event(1), event(2), event(3)]);
      const error = await store.append(id, 1, [event(9)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VersionConflictError);
      expect(error).toMatchObject({
        requestKey: id,
        expectedVersion: 1,
        actualVersion: 3,
        retryable: true,
      });
      expect((await store.read(id)).map((e) => e.type)).toEqual([
        'test.event_1',
        'test.event_2',
        'test.event_3',
      ]);
    });

    it('treats a second "new request" append as a conflict (idempotent creation)', async () => {
      const { store } = await makeStore();
      const id = newRequestId();
      await store.append(id, 0, [event(1)]);
      await expect(store.append(id, 0, [event(1)])).rejects.toMatchObject({
        name: 'VersionConflictError',
        actualVersion: 1,
      });
    });

    it('applies a multi-event append all or nothing', async () => {
      const { store } = await makeStore();
      const id = newRequestId();
      await store.append(id, 0, [event(1), event(2)]);
      // Expected version 1 lands seq 2 (taken), 3 and 4 (free): the whole append must fail.
      await expect(store.append(id, 1, [event(7), event(8), event(9)])).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      expect((await store.read(id)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('reads 500+ events back in order across pages', async () => {
      const { store, pagedStore } = await makeStore();
      const id = newRequestId();
      let version = 0;
      while (version < 520) {
        const batch = Array.from({ length: 40 }, (_, i) => event(version + i + 1));
        version = await store.append(id, version, batch);
      }
      for (const reader of [store, pagedStore ?? store]) {
        const events = await reader.read(id);
        expect(events).toHaveLength(520);
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 520 }, (_, i) => i + 1));
        expect(events.map((e) => (e.data as { n: number }).n)).toEqual(events.map((e) => e.seq));
      }
    });

    it('reads a log larger than one 1 MB response page', async () => {
      const { store } = await makeStore();
      const id = newRequestId();
      const blob = 'x'.repeat(300 * 1024);
      let version = 0;
      for (let i = 0; i < 5; i++)
        version = await store.append(id, version, [event(i + 1, { blob, i })]);
      const events = await store.read(id);
      expect(events.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    });

    it('rejects an event over the 400 KB item limit with a typed error, writing nothing', async () => {
      const { store } = await makeStore();
      const id = newRequestId();
      const huge = { blob: 'x'.repeat(401 * 1024) };
      const single = await store.append(id, 0, [event(1, huge)]).catch((e: unknown) => e);
      expect(single).toBeInstanceOf(EventTooLargeError);
      expect(single).toMatchObject({ requestKey: id, seq: 1, retryable: false });
      const inBatch = await store
        .append(id, 0, [event(1), event(2, huge)])
        .catch((e: unknown) => e);
      expect(inBatch).toBeInstanceOf(EventTooLargeError);
      expect(await store.read(id)).toEqual([]);
      // Just under the limit is fine.
      await store.append(id, 0, [event(1, { blob: 'x'.repeat(390 * 1024) })]);
      expect(await store.read(id)).toHaveLength(1);
    });

    it('rejects an append of more than 100 events, writing nothing', async () => {
      const { store } = await makeStore();
      const id = newRequestId();
      const tooMany = Array.from({ length: 101 }, (_, i) => event(i + 1));
      await expect(store.append(id, 0, tooMany)).rejects.toBeInstanceOf(AppendTooLargeError);
      expect(await store.read(id)).toEqual([]);
      expect(await store.append(id, 0, tooMany.slice(0, 100))).toBe(100);
    });

    it('hands out copies: changing a read event changes nothing stored', async () => {
      const { store } = await makeStore();
      const id = newRequestId();
      await store.append(id, 0, [event(1, { list: [1] })]);
      const [first] = await store.read(id);
      if (!first) throw new Error('expected one event');
      (first.data as { list: number[] }).list.push(2);
      expect((await store.read(id))[0]?.data).toEqual({ list: [1] });
    });
  });
}
