import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { eventTypesOfRecord } from '../events/dynamodb';
import type { WakeUpScheduler } from './processRequest';
import { handleRecordsByRequest } from './streamBatch';
import { PROCESSOR_WAKE_UP_EVENTS } from './wakeUpEvents';

/** What dispatching needs: where wake-ups go, and the clock. */
export interface DispatchDeps {
  readonly wakeUps: WakeUpScheduler;
  readonly clock: () => number;
}

const wakeUpTypes = new Set<string>(PROCESSOR_WAKE_UP_EVENTS);

/** Whether a stream record (one commit) holds an event after which work may be due. */
export function wakesRequest(record: DynamoDBRecord): boolean {
  return eventTypesOfRecord(record).some((type) => wakeUpTypes.has(type));
}

/**
 * The processor's whole job: turn a stream batch into one immediate wake-up
 * per request it woke. The runs themselves happen in the runner's own
 * invocations, so a long step never holds this batch (or the shard behind
 * it). A burst of records for one request sends one wake-up; a request whose
 * wake-up cannot be sent is reported at its first record, so the stream
 * retries it.
 */
export function dispatchWakeUps(
  deps: DispatchDeps,
  records: readonly DynamoDBRecord[],
  onError?: (requestKey: string, error: unknown) => void,
): Promise<DynamoDBBatchResponse> {
  return handleRecordsByRequest(
    records.filter(wakesRequest),
    (requestKey) => deps.wakeUps.schedule({ requestKey, dueAt: deps.clock() }),
    onError,
  );
}
