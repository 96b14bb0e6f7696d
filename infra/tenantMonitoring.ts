import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  CfnInsightRule,
  ComparisonOperator,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { FunctionKind } from './functionEntries';
import {
  TENANT_THROTTLED_MINUTES,
  TENANT_THROTTLED_PER_MINUTE,
  tenantInsightRules,
  topThrottledExpression,
} from './tenantInsights';

/** Props of {@link TenantMonitoring}. */
export interface TenantMonitoringProps {
  readonly prefix: string;
  /** The functions whose log groups the rules read (created first). */
  readonly functions: Readonly<Record<FunctionKind, IFunction>>;
  readonly topic?: ITopic;
}

/**
 * Per-tenant monitoring (`docs/flow-control.md`): Contributor Insights rules
 * ranking tenants by messages, throttles, failures and queue wait, from the
 * `tenant_id` of every log line, and an alarm when one tenant is throttled
 * for long (its messages refused at least {@link TENANT_THROTTLED_PER_MINUTE}
 * times a minute for {@link TENANT_THROTTLED_MINUTES} minutes): a tenant
 * that needs a higher limit, or a client retrying without backing off.
 */
export class TenantMonitoring extends Construct {
  readonly rules: CfnInsightRule[];
  readonly throttledTenantAlarm: Alarm;

  constructor(scope: Construct, id: string, props: TenantMonitoringProps) {
    super(scope, id);
    this.rules = tenantInsightRules(props.prefix).map((rule) => {
      const insight = new CfnInsightRule(this, rule.name.slice(props.prefix.length + 1), {
        ruleName: rule.name,
        ruleState: 'ENABLED',
        ruleBody: JSON.stringify(rule.body),
      });
      // The rules read the functions' log groups: create those first.
      for (const fn of Object.values(props.functions)) insight.node.addDependency(fn);
      return insight;
    });
    this.throttledTenantAlarm = new Alarm(this, 'TenantThrottled', {
      alarmName: `${props.prefix}-TenantThrottled`,
      alarmDescription: `One tenant had messages refused with RATE_LIMITED at least ${TENANT_THROTTLED_PER_MINUTE} times a minute for ${TENANT_THROTTLED_MINUTES} minutes: see the ${props.prefix}-tenant-throttles Contributor Insights rule for who, then raise its limit or find the client that does not back off (docs/flow-control.md).`,
      metric: new MathExpression({
        expression: topThrottledExpression(props.prefix),
        usingMetrics: {},
        period: Duration.minutes(1),
        label: 'Most-throttled tenant, messages refused per minute',
      }),
      threshold: TENANT_THROTTLED_PER_MINUTE,
      evaluationPeriods: TENANT_THROTTLED_MINUTES,
      datapointsToAlarm: TENANT_THROTTLED_MINUTES,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const rule of this.rules) this.throttledTenantAlarm.node.addDependency(rule);
    if (props.topic) {
      this.throttledTenantAlarm.addAlarmAction(new SnsAction(props.topic));
      this.throttledTenantAlarm.addOkAction(new SnsAction(props.topic));
    }
  }
}
