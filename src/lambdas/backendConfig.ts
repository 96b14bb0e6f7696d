/** Settings of the back-end Lambdas (processor, projector, timer), read once from the environment. */
export interface BackendConfig {
  readonly requestsTable: string;
  readonly requestViewTable: string;
  readonly connectionsTable: string;
  readonly subscriptionsTable: string;
  readonly deadLetterQueueUrl: string;
  readonly wakeUpQueueUrl: string;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`, or the local gateway's URL. */
  readonly managementEndpoint: string;
}

/** Raised at cold start when a required variable is missing. */
export class MissingSettingError extends Error {
  override readonly name = 'MissingSettingError';
  constructor(readonly variable: string) {
    super(
      `Environment variable ${variable} is not set. In AWS the CDK app (infra/) sets it on the function; locally npm start sets it. Set it, or deploy with the StreamerEngine construct.`,
    );
  }
}

/** Reads the back-end settings, failing fast with the name of any missing variable. */
export function readBackendConfig(env: NodeJS.ProcessEnv = process.env): BackendConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new MissingSettingError(name);
    return value;
  };
  return {
    requestsTable: required('REQUESTS_TABLE'),
    requestViewTable: required('REQUEST_VIEW_TABLE'),
    connectionsTable: required('CONNECTIONS_TABLE'),
    subscriptionsTable: required('SUBSCRIPTIONS_TABLE'),
    deadLetterQueueUrl: required('DEAD_LETTER_QUEUE_URL'),
    wakeUpQueueUrl: required('WAKE_UP_QUEUE_URL'),
    managementEndpoint: required('WEBSOCKET_MANAGEMENT_ENDPOINT'),
  };
}
