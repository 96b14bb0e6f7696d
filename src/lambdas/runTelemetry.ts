import type { EngineLogger, RunOutcome } from '../engine';
import { parseRequestKey } from '../events/requestKey';
import { type MetricsSink, MetricUnit } from './telemetry';

/** The tenant of a request key, for a log line (null when the key is not one). */
export function tenantOf(requestKey: string): string | null {
  try {
    return parseRequestKey(requestKey).tenantId;
  } catch {
    return null;
  }
}

/** The tenant of a wake-up message's body, when it can be read. */
export function tenantOfMessage(body: string): string | null {
  try {
    const { requestKey } = JSON.parse(body) as { requestKey?: unknown };
    return typeof requestKey === 'string' ? tenantOf(requestKey) : null;
  } catch {
    return null;
  }
}

/**
 * The line and the EMF figures of one run. Per-tenant figures go in as
 * properties (`tenant_id` on the line), never as a dimension: one metric
 * per tenant would cost a metric per tenant; the CDK app's Contributor
 * Insights rules rank tenants from these lines instead.
 */
export function logRun(
  telemetry: { readonly logger: EngineLogger; readonly metrics: MetricsSink },
  requestKey: string,
  outcome: RunOutcome,
): void {
  const flow = outcome.flow;
  telemetry.logger.info('request run', {
    tenant_id: tenantOf(requestKey),
    request_key: requestKey,
    outcome: outcome.kind,
    steps_run: outcome.stepsRun,
    ...(outcome.kind === 'queued' && { queue_position: outcome.position }),
    ...(flow?.queueWaitMs !== undefined && { queue_wait_ms: flow.queueWaitMs }),
    ...(flow?.wake && { woken: flow.wake.length }),
  });
  runMetrics(telemetry.metrics, outcome);
}

/** Counts of one run: steps, queued runs, failures, queue wait, circuit changes. */
function runMetrics(metrics: MetricsSink, outcome: RunOutcome): void {
  const flow = outcome.flow;
  metrics.addMetric('StepsRun', MetricUnit.Count, outcome.stepsRun);
  if (outcome.kind === 'queued') metrics.addMetric('RunsQueued', MetricUnit.Count, 1);
  if (outcome.kind === 'failed' || outcome.kind === 'dead_lettered') {
    metrics.addMetric('RunFailed', MetricUnit.Count, 1);
  }
  if (flow?.queueWaitMs !== undefined) {
    metrics.addMetric('QueueWaitMs', MetricUnit.Milliseconds, flow.queueWaitMs);
  }
  for (const change of flow?.circuits ?? []) {
    const name = change.change === 'closed' ? 'CircuitClosed' : 'CircuitOpened';
    metrics.addMetric(name, MetricUnit.Count, 1);
  }
}
