import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import {
  LambdaApplication,
  LambdaDeploymentConfig,
  LambdaDeploymentGroup,
} from 'aws-cdk-lib/aws-codedeploy';
import { Alias, type IFunction, type Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { LIVE_ALIAS } from './engineSettings';
import { FUNCTION_KINDS, type FunctionKind } from './functionEntries';
import type { TrafficShifting } from './stages';

/** Props of {@link LiveAliases}. */
export interface LiveAliasesProps {
  readonly prefix: string;
  readonly functions: Readonly<Record<FunctionKind, LambdaFunction>>;
}

/**
 * The `live` alias of every function: what API Gateway, the authorizer and
 * the event-source mappings invoke, so a deploy can move traffic from one
 * published version to the next (and back) instead of swapping code under
 * running invocations.
 */
export class LiveAliases extends Construct {
  /** The `live` alias of each function, by role. */
  readonly aliases: Readonly<Record<FunctionKind, Alias>>;
  /** CodeDeploy's deployment group of each alias, once {@link shiftTraffic} ran. */
  deploymentGroups?: Readonly<Record<FunctionKind, LambdaDeploymentGroup>>;
  readonly #prefix: string;

  constructor(scope: Construct, id: string, props: LiveAliasesProps) {
    super(scope, id);
    this.#prefix = props.prefix;
    const alias = (kind: FunctionKind) =>
      new Alias(this, pascal(kind), {
        aliasName: LIVE_ALIAS,
        version: props.functions[kind].currentVersion,
        description: `What Streamer invokes: the ${kind} function's current version`,
      });
    this.aliases = Object.fromEntries(FUNCTION_KINDS.map((kind) => [kind, alias(kind)])) as Record<
      FunctionKind,
      Alias
    >;
    // The back end takes the new code first: CloudFormation updates the router's
    // alias (whose new code may start runs of a new workflow version) only
    // once every runner's alias finished shifting, so no old runner is handed
    // a run it cannot replay.
    const { router, processor, projector, runner } = this.aliases;
    router.node.addDependency(processor, projector, runner);
  }

  /** The alias of `kind` as an `IFunction`, for integrations and event sources. */
  of(kind: FunctionKind): IFunction {
    return this.aliases[kind];
  }

  /**
   * Hands every alias to CodeDeploy: new versions get traffic per
   * `shifting`, and a deployment rolls back when it fails, is stopped, or any
   * of the function's rollback alarms fires while it runs.
   */
  shiftTraffic(
    shifting: TrafficShifting,
    rollbackAlarms: (kind: FunctionKind) => readonly IAlarm[],
  ): void {
    const application = new LambdaApplication(this, 'Application', {
      applicationName: this.#prefix,
    });
    const config = LAMBDA_DEPLOYMENT_CONFIGS[shifting];
    const group = (kind: FunctionKind) =>
      new LambdaDeploymentGroup(this, `${pascal(kind)}Deployment`, {
        application,
        alias: this.aliases[kind],
        deploymentConfig: config,
        alarms: [...rollbackAlarms(kind)],
        autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
      });
    this.deploymentGroups = Object.fromEntries(
      FUNCTION_KINDS.map((kind) => [kind, group(kind)]),
    ) as Record<FunctionKind, LambdaDeploymentGroup>;
  }
}

const LAMBDA_DEPLOYMENT_CONFIGS = {
  AllAtOnce: LambdaDeploymentConfig.ALL_AT_ONCE,
  Canary10Percent5Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
  Canary10Percent10Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_10MINUTES,
  Canary10Percent15Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_15MINUTES,
  Canary10Percent30Minutes: LambdaDeploymentConfig.CANARY_10PERCENT_30MINUTES,
  Linear10PercentEvery1Minute: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTE,
  Linear10PercentEvery2Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_2MINUTES,
  Linear10PercentEvery3Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES,
  Linear10PercentEvery10Minutes: LambdaDeploymentConfig.LINEAR_10PERCENT_EVERY_10MINUTES,
} as const satisfies Record<TrafficShifting, unknown>;

/** `router` → `Router`: construct ids. */
export function pascal(kind: string): string {
  return kind.charAt(0).toUpperCase() + kind.slice(1);
}
