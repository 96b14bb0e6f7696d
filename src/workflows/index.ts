/**
 * The demo workflows the local stack registers under the original system's
 * action names (DESIGN §6), plus `flaky_step` for retries and the DLQ.
 */
import { createWorkflowRegistry, type WorkflowRegistry } from '../engine';
import { createBulkOperation } from './bulkOperation';
import type { DemoOptions } from './demoOptions';
import { createEchoAsync } from './echoAsync';
import { createFlakyStep } from './flakyStep';
import { createGenerateReport } from './generateReport';
import { createProcessData } from './processData';
import { createEcho, createHealth } from './sync';

export type { BulkCheckpoint, BulkOperationInput, BulkOperationOutput } from './bulkOperation';
export { DEFAULT_BATCH_SIZE } from './bulkOperation';
export type { DemoOptions } from './demoOptions';
export type { EchoAsyncInput, EchoAsyncOutput } from './echoAsync';
export type { FlakyStepInput, FlakyStepOutput } from './flakyStep';
export { FLAKY_MAX_ATTEMPTS } from './flakyStep';
export type { GenerateReportInput, GenerateReportOutput } from './generateReport';
export type { ProcessDataInput, ProcessDataOutput } from './processData';
export { sleep } from './sleep';
export {
  createBulkOperation,
  createEcho,
  createEchoAsync,
  createFlakyStep,
  createGenerateReport,
  createHealth,
  createProcessData,
};

/** Options of {@link createDemoWorkflows}. */
export interface DemoWorkflowOptions extends Partial<DemoOptions> {
  /** Reported by `health` (default `'0.1.0'`). */
  readonly appVersion?: string;
}

/**
 * The demo workflows by action, each typed with its literal action, input and
 * output, so a client can be typed from them:
 * `createClient<DemoWorkflows>({ url, token })` (`streamer-engine/client`).
 */
export interface DemoWorkflows {
  readonly echo: ReturnType<typeof createEcho>;
  readonly health: ReturnType<typeof createHealth>;
  readonly echo_async: ReturnType<typeof createEchoAsync>;
  readonly generate_report: ReturnType<typeof createGenerateReport>;
  readonly process_data: ReturnType<typeof createProcessData>;
  readonly bulk_operation: ReturnType<typeof createBulkOperation>;
  readonly flaky_step: ReturnType<typeof createFlakyStep>;
}

/**
 * Builds every demo workflow at the given speed (default 1; must be > 0).
 *
 * @example
 * const registry = createWorkflowRegistry(Object.values(createDemoWorkflows({ speed: config.demoSpeed })));
 */
export function createDemoWorkflows(options: DemoWorkflowOptions = {}): DemoWorkflows {
  const speed = options.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) {
    throw new RangeError(
      `Demo speed must be a finite number > 0 (STREAMER_DEMO_SPEED), got ${speed}`,
    );
  }
  return {
    echo: createEcho(),
    health: createHealth(options.appVersion ?? '0.1.0'),
    echo_async: createEchoAsync({ speed }),
    generate_report: createGenerateReport({ speed }),
    process_data: createProcessData({ speed }),
    bulk_operation: createBulkOperation({ speed }),
    flaky_step: createFlakyStep({ speed }),
  };
}

/** A registry of every demo workflow. */
export function createDemoRegistry(options: DemoWorkflowOptions = {}): WorkflowRegistry {
  return createWorkflowRegistry(Object.values(createDemoWorkflows(options)));
}
