import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import { PROCESSOR_WAKE_UP_EVENTS } from '../src/processor/wakeUpEvents';

/**
 * Events are only ever inserted into the log (never updated, and the requests
 * table has no TTL), so both consumers wake only for `INSERT` records; the
 * projector folds every event type into the view, so it filters on nothing
 * else.
 */
export function projectorFilters(): Record<string, unknown>[] {
  return [FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT') })];
}

/**
 * Only `INSERT`s of the back end's own wake-up list
 * (`PROCESSOR_WAKE_UP_EVENTS`, `src/processor/wakeUpEvents.ts`, matched on the
 * log item's `type` attribute), so the mapping's filter and the handler's own
 * check can never disagree. Progress and checkpoint events, the bulk of a
 * busy log, never invoke it.
 */
export function processorFilters(): Record<string, unknown>[] {
  return [
    FilterCriteria.filter({
      eventName: FilterRule.isEqual('INSERT'),
      dynamodb: { NewImage: { type: { S: FilterRule.or(...PROCESSOR_WAKE_UP_EVENTS) } } },
    }),
  ];
}
