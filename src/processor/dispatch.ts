import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { commitWakeUpAt, WAKE_UP_EVENT_TYPES } from '../engine';
import { eventsOfRecords, eventTypesOfRecord } from '../events/dynamodb';
import type { WakeUpScheduler } from './processRequest';
import { handleRecordsByRequest } from './streamBatch';

/** What dispatching needs: where wake-ups go, and the clock. */
export interface DispatchDeps {
  readonly wakeUps: WakeUpScheduler;
  readonly clock: () => number;
}

const wakeUpTypes = new Set<string>(WAKE_UP_EVENT_TYPES);

/** Whether a stream record (one commit) holds an event after which work may be due. */
export function wakesRequest(record: DynamoDBRecord): boolean {
  return eventTypesOfRecord(record).some((type) => wakeUpTypes.has(type));
}

/**
 * When a request's records of a batch should wake it: the earliest of its
 * commits' due times ({@link commitWakeUpAt}), or `undefined` when none of
 * them needs a wake-up; a record whose events cannot be read wakes it now.
 */
export function wakeUpDueAt(records: readonly DynamoDBRecord[], now: number): number | undefined {
  const due = records
    .map((record) => {
      const events = eventsOfRecords([record]);
      return events.length === 0 ? now : commitWakeUpAt(events, now);
    })
    .filter((at): at is number => at !== undefined);
  return due.length === 0 ? undefined : Math.min(...due);
}

/**
 * The processor's whole job: turn a stream batch into one wake-up per
 * request it woke — now, or for a commit of a runner that runs on, when
 * that runner's lease ends (the crash net; see `commitWakeUpAt`). The runs
 * themselves happen in the runner's own invocations, so a long step never
 * holds this batch (or the shard behind it). A burst of records for one
 * request sends one wake-up; a request whose wake-up cannot be sent is
 * reported at its first record, so the stream retries it.
 */
export function dispatchWakeUps(
  deps: DispatchDeps,
  records: readonly DynamoDBRecord[],
  onError?: (requestKey: string, error: unknown) => void,
): Promise<DynamoDBBatchResponse> {
  return handleRecordsByRequest(
    records.filter(wakesRequest),
    async (requestKey, ofRequest) => {
      const dueAt = wakeUpDueAt(ofRequest, deps.clock());
      if (dueAt !== undefined) await deps.wakeUps.schedule({ requestKey, dueAt });
    },
    onError,
  );
}
