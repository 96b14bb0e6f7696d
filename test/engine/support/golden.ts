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

/** One recorded scenario per demo workflow. */
export const goldenScenarios: readonly { action: string; input: unknown }[] = [
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
];

/** The registry goldens replay against: the demo workflows as they are now. */
export function goldenRegistry(): WorkflowRegistry {
  return createDemoRegistry({ speed: 1_000 });
}

/** Runs a scenario to its end and captures its log, snapshot and view. */
export async function recordGolden(scenario: { action: string; input: unknown }): Promise<Golden> {
  const registry = goldenRegistry();
  const harness = createHarness(registry);
  await harness.submit(scenario.action, scenario.input);
  await harness.settle();
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
