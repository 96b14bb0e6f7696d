import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import type { LifecycleEventType } from '../src/events/lifecycle';
import { PROCESSOR_WAKE_UP_EVENTS } from '../src/processor/wakeUpEvents';

/**
 * The event types that wake the processor: the back end's own list
 * (`src/processor/wakeUpEvents.ts`), so the mapping's filter and the
 * handler's own check can never disagree. Progress and checkpoint events, the
 * bulk of a busy log, never invoke it.
 */
export const PROCESSOR_EVENT_TYPES: readonly LifecycleEventType[] = PROCESSOR_WAKE_UP_EVENTS;

/**
 * Events are only ever inserted into the log (never updated, and the requests
 * table has no TTL), so both consumers wake only for `INSERT` records; the
 * projector folds every event type into the view, so it filters on nothing
 * else.
 */
export function projectorFilters(): Record<string, unknown>[] {
  return [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })];
}

/** Only `INSERT`s of {@link PROCESSOR_EVENT_TYPES} (the log item's `type` attribute). */
export function processorFilters(): Record<string, unknown>[] {
  return [
    FilterCriteria.filter({
      eventName: FilterRule.isEqual('INSERT'),
      dynamodb: { NewImage: { type: { S: FilterRule.or(...PROCESSOR_EVENT_TYPES) } } },
    }),
  ];
}
