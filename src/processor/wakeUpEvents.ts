import { WAKE_UP_EVENT_TYPES } from '../engine';

/**
 * The event types whose stream records wake the processor (the engine's
 * {@link WAKE_UP_EVENT_TYPES}, under the name the CDK app's filter criteria
 * use).
 */
export const PROCESSOR_WAKE_UP_EVENTS = WAKE_UP_EVENT_TYPES;
