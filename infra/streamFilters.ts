import { WAKE_UP_EVENT_TYPES } from '../src/engine/commitWakeUp';

/**
 * Event-source-mapping filter patterns, as plain data (each one is
 * JSON-stringified into a `FilterCriteria.Filters[].Pattern`), so the CDK
 * construct and the Pulumi component filter alike.
 */
export type FilterPattern = Record<string, unknown>;

/**
 * Events are only ever inserted into the log (never updated, and the requests
 * table has no TTL), so both consumers wake only for `INSERT` records; the
 * projector folds every event type into the view, so it filters on nothing
 * else.
 */
export function projectorFilterPatterns(): FilterPattern[] {
  return [{ eventName: ['INSERT'] }];
}

/**
 * Only `INSERT`s of commits holding one of the back end's own wake-up events
 * (`WAKE_UP_EVENT_TYPES`, `src/engine/commitWakeUp.ts`, matched on
 * the commit item's `types` string set: a filter on an array matches when
 * any element does), so the mapping's filter and the handler's own check
 * (`eventTypesOfRecord`) can never disagree. Progress and checkpoint events,
 * the bulk of a busy log, never invoke it. The second pattern matches the
 * `type` of items of the first layout (one event per item) still in the
 * stream during an upgrade; filters are ORed.
 */
export function processorFilterPatterns(): FilterPattern[] {
  const types = [...WAKE_UP_EVENT_TYPES];
  return [
    { eventName: ['INSERT'], dynamodb: { NewImage: { types: { SS: types } } } },
    { eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: types } } } },
  ];
}

/** The patterns in the shape CDK's `DynamoEventSource({ filters })` takes (`{ pattern: string }`). */
export function toCdkFilters(patterns: readonly FilterPattern[]): Record<string, unknown>[] {
  return patterns.map((pattern) => ({ pattern: JSON.stringify(pattern) }));
}
