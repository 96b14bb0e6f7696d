import { setTimeout as sleep } from 'node:timers/promises';
import { ulid } from 'ulid';
import { DEFAULT_SIZING } from '../infra/engineSettings';
import { DynamoDbEventStore } from '../src/events/dynamodb';
import { toRequestKey } from '../src/events/requestKey';
import { NOOP_ACTION, REPORT_ACTION } from './benchWorkflows';
import {
  type CostLine,
  durableFunctionsCost,
  type StreamerUsage,
  stepFunctionsCost,
  streamerCost,
  total,
} from './costModel';
import { usageBetween } from './lambdaMeter';
import type { LoadResult } from './load/jobs';
import { PRICES_AS_OF } from './prices';
import type { BenchResources } from './resources';
import type { BenchFigure, BenchScenario } from './scenario';
import { round2 } from './stats';
import { wakeUpsHandled } from './wakeUpQueue';
import { countsBetween } from './writeCounter';

/** What the peer scenario measured for the durable execution SDK, ms of its own per step (used when it ran first). */
let durableSdkMsPerStep: number | undefined;

/** Lets the peer scenario hand its measured per-step cost to this one. @internal */
export function useDurableSdkMsPerStep(ms: number): void {
  durableSdkMsPerStep = ms;
}

/** What one kind of workflow is submitted with. */
interface Kind {
  readonly label: string;
  readonly action: string;
  readonly payload: unknown;
  readonly steps: number;
  readonly rate: number;
}

const KINDS: readonly Kind[] = [
  { label: 'one-step no-op', action: NOOP_ACTION, payload: {}, steps: 1, rate: 20 },
  {
    label: 'demo 3-step generate_report',
    action: REPORT_ACTION,
    payload: {
      start_date: '2026-01-01',
      end_date: '2026-01-31',
      format: 'pdf',
      report_type: 'monthly',
    },
    steps: 3,
    rate: 10,
  },
];

/**
 * Cost per million workflows: runs each kind through the local stack over
 * the gateway and counts, per workflow, every unit AWS bills — DynamoDB
 * capacity units as DynamoDB reports them (`ReturnConsumedCapacity` on
 * every call, indexes included), the processor's, projector's and runner's
 * invocations and billed durations (measured around each invocation), the
 * router's (one per submit, its duration the route response's p50),
 * WebSocket messages (submit, route response, every frame posted) and the
 * minutes a client stays connected (submit → complete), SQS requests — and
 * prices them at `bench/prices.ts`. Beside it, the same workflow priced on
 * Step Functions Standard (a transition and a task Lambda per step) and on
 * Lambda durable functions (an operation per step plus the execution, one
 * invocation), with the steps' work taking what it took here.
 */
export const costScenario: BenchScenario = {
  name: 'cost per million workflows',
  async run({ quick, resources, log }) {
    const figures: BenchFigure[] = [];
    for (const kind of KINDS) {
      const measured = await measureKind(resources, kind, quick, log);
      figures.push(...priceKind(kind, measured, log));
    }
    return figures;
  },
};

interface Measured {
  readonly usage: StreamerUsage;
  readonly stepWorkMs: readonly number[];
  readonly workflows: number;
}

async function measureKind(
  resources: BenchResources,
  kind: Kind,
  quick: boolean,
  log: (message: string) => void,
): Promise<Measured> {
  const { stack, connectUrl } = await resources.stack();
  const generator = await resources.loadGenerator();
  const url = await connectUrl(`bench-cost-${ulid().toLowerCase()}`);
  const idPrefix = `cost-${ulid().toLowerCase()}`;
  const seconds = quick ? 2 : 8;
  // Earlier scenarios' delayed wake-ups (their leases' crash nets) must not land in this window.
  await wakeUpsHandled(stack, log);
  const writesBefore = resources.writes().snapshot();
  const lambdasBefore = resources.lambdas.snapshot();
  const result = await generator.run({
    kind: 'async',
    url,
    connections: 20,
    rate: kind.rate,
    seconds,
    action: kind.action,
    payload: kind.payload,
    idPrefix,
    drainMs: 30_000,
  });
  await sleep(1_000); // the projector saves the view after posting `complete`
  // Each run's lease wake-up comes when its lease ends (the runner's budget after it
  // started): it is a runner invocation and a log read of every workflow, so wait for it.
  await wakeUpsHandled(stack, log);
  const usage = usagePerWorkflow(
    countsBetween(writesBefore, resources.writes().snapshot()),
    usageBetween(lambdasBefore, resources.lambdas.snapshot()),
    result,
  );
  const store = new DynamoDbEventStore({ client: stack.dynamo, tableName: stack.tables.requests });
  const stepWorkMs = await stepDurations(store, idPrefix, Math.min(result.ok, 10));
  log(
    `${kind.label}: ${result.ok} workflows at ${kind.rate}/s, p50 ${result.latency.summary.p50.toFixed(0)} ms; processor ${usage.lambdas.processor?.invocations.toFixed(2)} invocations ${usage.lambdas.processor?.billedMs.toFixed(0)} ms, runner ${usage.lambdas.runner?.invocations.toFixed(2)} invocations ${usage.lambdas.runner?.billedMs.toFixed(0)} ms, projector ${usage.lambdas.projector?.invocations.toFixed(2)} invocations ${usage.lambdas.projector?.billedMs.toFixed(0)} ms per workflow`,
  );
  return { usage, stepWorkMs, workflows: result.ok };
}

/** What the window's counts come to per workflow, in the units AWS bills. */
function usagePerWorkflow(
  calls: ReturnType<typeof countsBetween>,
  lambdas: ReturnType<typeof usageBetween>,
  result: LoadResult,
): StreamerUsage {
  const n = Math.max(1, result.ok);
  const sdk = (name: string) => (calls.sdkCalls[name] ?? 0) / n;
  const ackP50 = result.histograms?.ack?.summary.p50 ?? 1;
  const perWorkflow = (
    use: { invocations: number; billedMs: number } | undefined,
    memoryMb: number,
  ) => ({
    invocations: (use?.invocations ?? 0) / n,
    billedMs: (use?.billedMs ?? 0) / n,
    memoryMb,
  });
  // Connection records are the connect's and disconnect's, per connection, not per workflow.
  const capacity = Object.entries(calls.capacity).filter(
    ([key]) => !key.startsWith('write:Connections'),
  );
  return {
    capacity: Object.fromEntries(capacity.map(([k, v]) => [k, v / n])),
    failedConditionalWrites: calls.failedConditionalWrites / n,
    streamReads: sdk('GetRecordsCommand'),
    lambdas: {
      router: {
        invocations: 1,
        billedMs: Math.ceil(ackP50),
        memoryMb: DEFAULT_SIZING.router.memorySize,
      },
      processor: perWorkflow(lambdas.processor, DEFAULT_SIZING.processor.memorySize),
      projector: perWorkflow(lambdas.projector, DEFAULT_SIZING.projector.memorySize),
      runner: perWorkflow(lambdas.runner, DEFAULT_SIZING.runner.memorySize),
    },
    messages: 2 + sdk('PostToConnectionCommand'),
    connectionMinutes: result.latency.summary.mean / 60_000,
    // Each wake-up message is sent, received and deleted; the runner mapping's idle polling is per queue.
    sqsRequests: 3 * sdk('SendMessageCommand'),
  };
}

/** Mean time from each step's `step.started` to its outcome, over the first `count` workflows' logs. */
async function stepDurations(
  store: DynamoDbEventStore,
  idPrefix: string,
  count: number,
): Promise<number[]> {
  const sums: number[] = [];
  for (let i = 0; i < count; i++) {
    const events = await store.read(toRequestKey('bench', `${idPrefix}-${i}`));
    let step = 0;
    let startedAt: number | undefined;
    for (const event of events) {
      if (event.type === 'step.started') startedAt = event.at;
      if ((event.type === 'step.completed' || event.type === 'step.failed') && startedAt) {
        sums[step] = (sums[step] ?? 0) + (event.at - startedAt);
        step++;
        startedAt = undefined;
      }
    }
  }
  return sums.map((sum) => sum / Math.max(1, count));
}

function priceKind(kind: Kind, measured: Measured, log: (message: string) => void): BenchFigure[] {
  const ours = streamerCost(measured.usage);
  const peer = {
    steps: kind.steps,
    stepWorkMs: measured.stepWorkMs,
    memoryMb: DEFAULT_SIZING.runner.memorySize,
  };
  const sfn = stepFunctionsCost(peer);
  // Checkpoints hold each step's result; a few hundred bytes for these workflows.
  const durable = durableFunctionsCost(peer, durableSdkMsPerStep ?? 1.25, kind.steps * 512);
  const ourTotal = total(ours);
  log(
    `${kind.label}: $${ourTotal.toFixed(2)} per million (prices of ${PRICES_AS_OF}); Step Functions Standard $${total(sfn).toFixed(2)}, Lambda durable functions $${total(durable).toFixed(2)}`,
  );
  const details = (lines: readonly CostLine[]) =>
    Object.fromEntries(
      lines.map((line) => [
        line.item,
        `${round2(line.unitsPerWorkflow)} ${line.unit} = $${line.dollarsPerMillion.toFixed(2)}`,
      ]),
    );
  return [
    {
      name: `Streamer, ${kind.label}: $ per million workflows (prices ${PRICES_AS_OF})`,
      value: ourTotal,
      unit: '$/M',
      baseline: { name: `Step Functions Standard, same workflow`, value: total(sfn) },
      details: {
        workflowsMeasured: measured.workflows,
        capacityUnitsByTable: Object.entries(measured.usage.capacity)
          .sort((a, b) => b[1] - a[1])
          .map(([key, units]) => `${key} ${units.toFixed(2)}`)
          .join('; '),
        failedConditionalWrites: round2(measured.usage.failedConditionalWrites),
        ...details(ours),
      },
    },
    {
      name: `Step Functions Standard, ${kind.label}`,
      value: total(sfn),
      unit: '$/M',
      details: {
        stepWorkMs: measured.stepWorkMs.map((ms) => ms.toFixed(0)).join('+'),
        ...details(sfn),
      },
    },
    {
      name: `Lambda durable functions, ${kind.label}`,
      value: total(durable),
      unit: '$/M',
      baseline: { name: 'Streamer, same workflow', value: ourTotal },
      details: {
        sdkMsPerStep: round2(durableSdkMsPerStep ?? 1.25),
        ...details(durable),
      },
    },
  ];
}
