import type { LifecycleEventType } from '../events/lifecycle';

/**
 * The event types whose stream records wake the processor: the ones after
 * which work may be due. Progress and checkpoint events (the bulk of a busy
 * log) are left out, and so is dead-letter bookkeeping. The CDK app turns
 * this list into the mapping's filter criteria; the handler applies it too,
 * so the local stack behaves the same.
 */
export const PROCESSOR_WAKE_UP_EVENTS: readonly LifecycleEventType[] = [
  'request.accepted',
  'step.started',
  'step.completed',
  'step.failed',
  'request.suspended',
  'request.signalled',
  'request.failed',
  'request.redriven',
  // A child's end must reach its parent, and a parent's cancellation its
  // children, even when the runner that wrote it died before doing so.
  'request.completed',
  'request.cancelled',
];
