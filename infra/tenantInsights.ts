import type { FunctionKind } from './functionEntries';

/**
 * Per-tenant figures without a CloudWatch metric per tenant: every log line
 * of every function carries `tenant_id` (`src/lambdas/engineLogger.ts`), and
 * Contributor Insights rules over those JSON lines rank the tenants — the
 * top contributors by messages, throttled messages, failures and time spent
 * waiting for a concurrency slot. A rule costs per log event matched, not
 * per tenant. As plain data, so the CDK construct and the Pulumi component
 * create the same rules.
 */

/** One Contributor Insights rule: its name and its body (the rule's JSON). */
export interface TenantInsightRule {
  /** `<prefix>-tenant-<what>`. */
  readonly name: string;
  /** What it ranks, for the rule's description in docs and dashboards. */
  readonly ranks: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The rule whose top contributor the throttling alarm watches. */
export const THROTTLES_RULE = 'throttles';

/** A tenant throttled on at least this many messages a minute … */
export const TENANT_THROTTLED_PER_MINUTE = 60;
/** … for this many minutes in a row raises the alarm. */
export const TENANT_THROTTLED_MINUTES = 15;

/** The log group of a function (both deploy paths name them so). */
export function functionLogGroupName(prefix: string, kind: FunctionKind): string {
  return `/aws/lambda/${prefix}-${kind}`;
}

function rule(
  prefix: string,
  what: string,
  ranks: string,
  kinds: readonly FunctionKind[],
  contribution: Readonly<Record<string, unknown>>,
  aggregate: { readonly AggregateOn: 'Count' } | { readonly AggregateOn: 'Sum' },
): TenantInsightRule {
  return {
    name: `${prefix}-tenant-${what}`,
    ranks,
    body: {
      Schema: { Name: 'CloudWatchLogRule', Version: 1 },
      LogGroupNames: kinds.map((kind) => functionLogGroupName(prefix, kind)),
      LogFormat: 'JSON',
      Contribution: { Keys: ['$.tenant_id'], ...contribution },
      ...aggregate,
    },
  };
}

/** The engine's tenant rules for a deployment's prefix. */
export function tenantInsightRules(prefix: string): TenantInsightRule[] {
  const count = { AggregateOn: 'Count' } as const;
  return [
    rule(
      prefix,
      'messages',
      'messages routed, per tenant',
      ['router'],
      {
        Filters: [{ Match: '$.message', In: ['message routed', 'message failed'] }],
      },
      count,
    ),
    rule(
      prefix,
      THROTTLES_RULE,
      'messages answered RATE_LIMITED, per tenant',
      ['router'],
      {
        Filters: [{ Match: '$.status', In: ['RATE_LIMITED'] }],
      },
      count,
    ),
    rule(
      prefix,
      'failures',
      'failed step attempts and dead letters, per tenant',
      ['runner'],
      {
        Filters: [{ Match: '$.message', In: ['step failed', 'request dead-lettered'] }],
      },
      count,
    ),
    rule(
      prefix,
      'queue-wait',
      'milliseconds waited for a concurrency slot, per tenant',
      ['runner'],
      {
        ValueOf: '$.queue_wait_ms',
        Filters: [{ Match: '$.message', In: ['slot acquired after waiting'] }],
      },
      { AggregateOn: 'Sum' },
    ),
  ];
}

/** The metric math of the throttling alarm: the most-throttled tenant's count per period. */
export function topThrottledExpression(prefix: string): string {
  return `INSIGHT_RULE_METRIC("${prefix}-tenant-${THROTTLES_RULE}", "MaxContributorValue")`;
}
