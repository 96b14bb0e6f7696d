import fc from 'fast-check';
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
 * given, must page its reads in small pages so pagination is exercised;
 * `otherStore`, when given, is a second store over the same logs that shares
 * nothing in memory with the first (another process), so a writer that has
 * never read a log is exercised too.
 */
export function describeEventStoreContract(
  adapter: string,
  makeStore: () => Promise<{ store: EventStore; pagedStore?: EventStore; otherStore?: EventStore }>,
  options: { readonly modelRuns?: number } = {},
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

    it('rejects every version inside another commit, from a writer that never read the log too', async () => {
      const { store, otherStore } = await makeStore();
      const id = newRequestId();
      await store.append(id, 0, [event(1), event(2), event(3), event(4)]);
      for (const writer of [store, otherStore ?? store]) {
        for (const stale of [1, 2, 3]) {
          await expect(writer.append(id, stale, [event(9), event(10)])).rejects.toMatchObject({
            name: 'VersionConflictError',
            expectedVersion: stale,
            actualVersion: 4,
          });
        }
      }
      expect((await store.read(id)).map((e) => e.type)).toEqual(
        [1, 2, 3, 4].map((n) => `test.event_${n}`),
      );
      // The commit's own end is the version to append at, from either writer.
      expect(await (otherStore ?? store).append(id, 4, [event(5)])).toBe(5);
      expect(await store.append(id, 5, [event(6)])).toBe(6);
    });

    it('rejects a version ahead of the log, which would leave a gap', async () => {
      const { store, otherStore } = await makeStore();
      const id = newRequestId();
      await store.append(id, 0, [event(1), event(2)]);
      for (const writer of [store, otherStore ?? store]) {
        await expect(writer.append(id, 3, [event(4)])).rejects.toMatchObject({
          name: 'VersionConflictError',
          actualVersion: 2,
        });
      }
      await expect(store.append(newRequestId(), 2, [event(1)])).rejects.toMatchObject({
        name: 'VersionConflictError',
        actualVersion: 0,
      });
      expect((await store.read(id)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('reads from a seq inside a commit, from a reader that never read the log too', async () => {
      const { store, otherStore } = await makeStore();
      const id = newRequestId();
      await store.append(id, 0, [event(1), event(2), event(3)]);
      await store.append(id, 3, [event(4), event(5)]);
      for (const reader of [store, otherStore ?? store]) {
        for (const fromSeq of [1, 2, 3, 4, 5, 6]) {
          expect((await reader.read(id, { fromSeq })).map((e) => e.seq)).toEqual(
            [1, 2, 3, 4, 5].filter((seq) => seq >= fromSeq),
          );
        }
      }
    });

    it('stores an append too big for one item as consecutive items, all or nothing', async () => {
      const { store, otherStore } = await makeStore();
      const id = newRequestId();
      const blob = 'x'.repeat(250 * 1024);
      // Three 250 KB events fit no single 400 KB item: three items, one append.
      expect(await store.append(id, 0, [event(1, { blob }), event(2, { blob }), event(3)])).toBe(3);
      const events = await store.read(id);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(events[1]?.data).toEqual({ blob });
      // A version at an inner item's end is still stale.
      await expect(
        (otherStore ?? store).append(id, 1, [event(7, { blob }), event(8, { blob })]),
      ).rejects.toMatchObject({ name: 'VersionConflictError', actualVersion: 3 });
      expect((await store.read(id, { fromSeq: 2 })).map((e) => e.seq)).toEqual([2, 3]);
    });

    it('accepts an append exactly when it names the current version, whatever the versions tried (model)', async () => {
      const { store, otherStore } = await makeStore();
      const writers = [store, otherStore ?? store];
      const attempt = fc.record({
        writer: fc.integer({ min: 0, max: 1 }),
        /** Distance from the current version: negative is stale, positive is ahead. */
        offset: fc.integer({ min: -4, max: 2 }),
        size: fc.integer({ min: 1, max: 4 }),
        readFirst: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(attempt, { minLength: 1, maxLength: 12 }), async (attempts) => {
          const id = newRequestId();
          const model: string[] = [];
          for (const [round, { writer, offset, size, readFirst }] of attempts.entries()) {
            const through = writers[writer] as EventStore;
            if (readFirst) expect(await through.read(id)).toHaveLength(model.length);
            const version = model.length + offset;
            if (version < 0) continue;
            const marks = Array.from({ length: size }, (_, i) => `r${round}-e${i}`);
            const batch = marks.map((mark) => ({ ...event(round), data: { mark } }));
            const outcome = await through.append(id, version, batch).catch((e: unknown) => e);
            if (offset === 0) {
              expect(outcome).toBe(model.length + size);
              model.push(...marks);
            } else {
              expect(outcome).toBeInstanceOf(VersionConflictError);
              expect(outcome).toMatchObject({ actualVersion: model.length });
            }
          }
          const log = await writers[1]?.read(id);
          expect(log?.map((e) => e.seq)).toEqual(model.map((_, i) => i + 1));
          expect(log?.map((e) => (e.data as { mark: string }).mark)).toEqual(model);
        }),
        { numRuns: options.modelRuns ?? 100 },
      );
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
