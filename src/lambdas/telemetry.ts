import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EngineLogger } from '../engine';
import { engineLogger } from './engineLogger';

/** The functions of a deployment, as their logs and metrics name them. */
export type FunctionComponent =
  | 'authorizer'
  | 'connect'
  | 'disconnect'
  | 'router'
  | 'processor'
  | 'projector'
  | 'runner';

/** The part of Powertools `Metrics` the handlers use; tests pass a recorder. */
export interface MetricsSink {
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void;
  publishStoredMetrics(): void;
}

/** The logger and metrics of one function, injected into its handler like any other dependency. */
export interface Telemetry {
  /** Structured JSON; every line carries `component`. Fields are passed per call (handlers may run concurrently locally). */
  readonly logger: EngineLogger;
  readonly metrics: MetricsSink;
}

/** Powertools Logger (with `component`) and Metrics (CloudWatch EMF, namespace `Streamer`). */
export function createTelemetry(component: FunctionComponent): Telemetry {
  return {
    logger: engineLogger(new Logger({ serviceName: 'streamer', persistentKeys: { component } })),
    metrics: new Metrics({ namespace: 'Streamer', serviceName: 'streamer' }),
  };
}

export { MetricUnit };
