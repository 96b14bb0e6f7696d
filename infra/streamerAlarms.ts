import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link StreamerAlarms}. */
export interface StreamerAlarmsProps {
  /** Prefix of every alarm name (`streamer-prod`). */
  readonly prefix: string;
  /** Functions watched for errors and throttles, by role. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Functions fed by a stream, watched for iterator age. */
  readonly streamConsumers: readonly IFunction[];
  /** Tables watched for read and write throttling. */
  readonly tables: readonly Table[];
  /** Queues where any visible message needs a human (the DLQ, failed stream batches). */
  readonly queuesThatMustStayEmpty: readonly IQueue[];
  /** Queues whose oldest message must not wait longer than `maxAge` (the runner's wake-ups). */
  readonly queuesWithBacklog?: readonly { readonly queue: IQueue; readonly maxAge: Duration }[];
  /** Where alarms (and their recovery) notify, when given. */
  readonly topic?: ITopic;
}

/**
 * How far behind a stream consumer may fall before someone should look:
 * progress frames are meant to arrive within 100 ms, so a minute of backlog
 * is already an incident.
 */
export const ITERATOR_AGE_THRESHOLD = Duration.minutes(1);

/**
 * The alarms of a Streamer deployment: the dead-letter and failed-events
 * queues not empty, each function's errors and throttles, the stream
 * consumers' iterator age and each table's throttled requests. Every alarm
 * treats missing data as fine (a quiet system is healthy).
 */
export class StreamerAlarms extends Construct {
  /** Every alarm created, for dashboards or extra actions. */
  readonly alarms: Alarm[] = [];
  /** The alarms that mean a function's new code is bad, by role: its errors and, for a stream consumer, its iterator age. */
  readonly functionAlarms: Record<string, Alarm[]> = {};
  /** The alarms on the queues that must stay empty (dead letters, failed stream batches). */
  readonly queueAlarms: Alarm[] = [];
  /**
   * The alarms on queues whose consumer is behind. They notify but roll nothing back: a backlog
   * is load as often as bad code, and bad runner code already shows as its errors.
   */
  readonly backlogAlarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: StreamerAlarmsProps) {
    super(scope, id);
    const add = (
      alarmId: string,
      description: string,
      metric: IMetric,
      threshold: number,
      comparison = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) => {
      const alarm = new Alarm(this, alarmId, {
        alarmName: `${props.prefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: comparison,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.topic) {
        alarm.addAlarmAction(new SnsAction(props.topic));
        alarm.addOkAction(new SnsAction(props.topic));
      }
      this.alarms.push(alarm);
      return alarm;
    };

    for (const queue of props.queuesThatMustStayEmpty) {
      const name = queue.node.id;
      const alarm = add(
        `${name}NotEmpty`,
        `${name} has messages: requests were dead-lettered or stream records dropped. Inspect and redrive (docs/deploy.md).`,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        1,
      );
      this.queueAlarms.push(alarm);
    }
    for (const { queue, maxAge } of props.queuesWithBacklog ?? []) {
      const name = queue.node.id;
      const alarm = add(
        `${name}Backlog`,
        `The oldest message of ${name} waited more than ${maxAge.toHumanString()}: its consumer is behind (concurrency limit too low, or failing).`,
        queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        maxAge.toSeconds(),
        ComparisonOperator.GREATER_THAN_THRESHOLD,
      );
      this.backlogAlarms.push(alarm);
    }
    for (const [role, fn] of Object.entries(props.functions)) {
      const name = role.charAt(0).toUpperCase() + role.slice(1);
      const errors = add(
        `${name}Errors`,
        `The ${role} function failed invocations.`,
        fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
      );
      this.functionAlarms[role] = [errors];
      add(
        `${name}Throttles`,
        `The ${role} function was throttled (account or reserved concurrency).`,
        fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
        1,
      );
    }
    for (const fn of props.streamConsumers) {
      const name = fn.node.id.replace(/Function$/, '');
      const iteratorAge = add(
        `${name}IteratorAge`,
        `The ${name} stream consumer is more than ${ITERATOR_AGE_THRESHOLD.toHumanString()} behind the requests stream.`,
        fn.metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
        ITERATOR_AGE_THRESHOLD.toMilliseconds(),
        ComparisonOperator.GREATER_THAN_THRESHOLD,
      );
      const role = Object.entries(props.functions).find(([, f]) => f === fn)?.[0];
      if (role) this.functionAlarms[role]?.push(iteratorAge);
    }
    for (const table of props.tables) {
      const name = table.node.id;
      add(
        `${name}Throttles`,
        `DynamoDB throttled reads or writes on the ${name} table.`,
        new MathExpression({
          expression: 'FILL(reads, 0) + FILL(writes, 0)',
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', { statistic: 'Sum' }),
            writes: table.metric('WriteThrottleEvents', { statistic: 'Sum' }),
          },
          period: Duration.minutes(5),
          label: `${name} throttle events`,
        }),
        1,
      );
    }
  }
}
