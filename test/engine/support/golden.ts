import { machineFingerprint, replay, type WorkflowRegistry } from '../../../src/engine';
import type { StoredEvent } from '../../../src/events/event';
import { foldRequestView, type RequestView } from '../../../src/projections/requestView';
import { createDemoRegistry } from '../../../src/workflows';
import { createHarness } from './harness';
import { snapshotOf } from './invariants';

/** A recorded history and what it must replay to. */
export interface Golden {
  readonly action: string;
  readonly version: number;
  /** `machineFingerprint` of the machine it was recorded with. */
  readonly fingerprint: string;
  readonly events: StoredEvent[];
  /** The persisted XState snapshot the events fold to. */
  readonly snapshot: unknown;
  readonly view: RequestView;
}

/** A scenario to record: an action, its input, and a file name when one action has several. */
export interface GoldenScenario {
  readonly action: string;
  readonly input: unknown;
  /** File name without `.v<version>.json`; defaults to the action. */
  readonly name?: string;
}

/** One recorded scenario per demo workflow (two where the paths differ much). */
export const goldenScenarios: readonly GoldenScenario[] = [
  { action: 'echo_async', input: { message: 'golden', timestamp: '2024-05-01T10:00:00Z' } },
  {
    action: 'generate_report',
    input: {
      start_date: '2024-01-01',
      end_date: '2024-03-31',
      format: 'pdf',
      report_type: 'quarterly',
    },
  },
  {
    action: 'process_data',
    input: { dataset_id: 'sales', operations: ['dedupe', 'sum'], output_format: 'csv' },
  },
  {
    action: 'bulk_operation',
    input: { items: Array.from({ length: 25 }, (_, i) => i), batch_size: 10 },
  },
  { action: 'flaky_step', input: { failures: 1 } },
  { action: 'reminder', input: { message: 'golden', delay_ms: 60_000 } },
  { action: 'resize_images', input: { images: ['a.png', 'b.png', 'c.png'] } },
  { action: 'trip_booking', input: { destination: 'Lisbon', nights: 2, amount_cents: 9_900 } },
  {
    action: 'trip_booking',
    input: { destination: 'Oslo', nights: 1, amount_cents: 100, decline_payment: true },
    name: 'trip_booking.rolled_back',
  },
  { action: 'charge_card', input: { amount_cents: 500, card: 'golden-card' } },
];

/** The registry goldens replay against: the demo workflows as they are now. */
export function goldenRegistry(): WorkflowRegistry {
  return createDemoRegistry({ speed: 1_000 });
}

/** Runs a scenario to its end and captures its log, snapshot and view. */
export async function recordGolden(scenario: GoldenScenario): Promise<Golden> {
  const registry = goldenRegistry();
  const harness = createHarness(registry);
  await harness.submit(scenario.action, scenario.input);
  await harness.settleAll();
  const events = await harness.log();
  const workflow = registry.require(scenario.action);
  return {
    action: workflow.action,
    version: workflow.version,
    fingerprint: machineFingerprint(workflow.machine),
    events,
    snapshot: snapshotOf(workflow.machine, replay(registry, events).snapshot),
    view: foldRequestView(events) as RequestView,
  };
}
