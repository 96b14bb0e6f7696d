import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RunOutcome } from '../engine';
import { parseRequestKey } from '../events/requestKey';

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
 * properties (`tenant_id` on the line and in the EMF blob), never as a
 * dimension: one metric per tenant would cost a metric per tenant; the CDK
 * app's Contributor Insights rules rank tenants from these lines instead.
 */
export function logRun(
  logger: Logger,
  metrics: Metrics,
  requestKey: string,
  outcome: RunOutcome,
): void {
  const tenantId = tenantOf(requestKey);
  const flow = outcome.flow;
  logger.info('request run', {
    tenant_id: tenantId,
    request_key: requestKey,
    outcome: outcome.kind,
    steps_run: outcome.stepsRun,
    ...(outcome.kind === 'queued' && { queue_position: outcome.position }),
    ...(flow?.queueWaitMs !== undefined && { queue_wait_ms: flow.queueWaitMs }),
    ...(flow?.wake && { woken: flow.wake.length }),
  });
  metrics.addMetric('StepsRun', MetricUnit.Count, outcome.stepsRun);
  if (outcome.kind === 'queued') metrics.addMetric('RunsQueued', MetricUnit.Count, 1);
  if (outcome.kind === 'failed' || outcome.kind === 'dead_lettered') {
    metrics.addMetric('RunFailed', MetricUnit.Count, 1);
  }
  if (flow?.queueWaitMs !== undefined) {
    metrics.addMetric('QueueWaitMs', MetricUnit.Milliseconds, flow.queueWaitMs);
  }
  for (const change of flow?.circuits ?? []) {
    metrics.addMetric(
      change.change === 'closed' ? 'CircuitClosed' : 'CircuitOpened',
      MetricUnit.Count,
      1,
    );
  }
}
