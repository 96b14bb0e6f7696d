import { ulid } from 'ulid';
import { acceptRequest, createWorkflowRegistry, runRequest } from '../src/engine';
import { InMemoryEventStore } from '../src/events/memory/inMemoryEventStore';
import { useDurableSdkMsPerStep } from './cost';
import { createLoopWorkflow } from './loopWorkflow';
import type { BenchFigure, BenchScenario } from './scenario';
import { median, round2 } from './stats';

/** Wall and CPU time of one run, ms. */
interface RunTime {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * Runs a 1-step and a 10-step run alternately `rounds` times each after a
 * warm-up (so a burst of load from elsewhere hits both alike) and returns
 * the median wall and CPU time per run of each.
 */
async function timePair(
  rounds: number,
  now: () => number,
  one: () => Promise<void>,
  ten: () => Promise<void>,
): Promise<[RunTime, RunTime]> {
  for (let i = 0; i < Math.min(5, rounds); i++) {
    await one();
    await ten();
  }
  const samples = [
    { wall: [] as number[], cpu: [] as number[] },
    { wall: [] as number[], cpu: [] as number[] },
  ] as const;
  for (let i = 0; i < rounds; i++) {
    for (const [index, work] of [one, ten].entries()) {
      const began = now();
      const cpuBefore = process.cpuUsage();
      await work();
      const used = process.cpuUsage(cpuBefore);
      samples[index]?.wall.push(now() - began);
      samples[index]?.cpu.push((used.user + used.system) / 1000);
    }
  }
  const time = (i: 0 | 1) => ({ wallMs: median(samples[i].wall), cpuMs: median(samples[i].cpu) });
  return [time(0), time(1)];
}

/** Streamer: accept and run a request of `steps` no-op steps on the in-memory store. */
function streamerRun(steps: number): () => Promise<void> {
  const workflow = createLoopWorkflow();
  const registry = createWorkflowRegistry([workflow]);
  const store = new InMemoryEventStore();
  return async () => {
    const accepted = await acceptRequest(store, {
      workflow,
      tenantId: 'bench',
      userId: 'u',
      requestId: ulid(),
      input: { ticks: steps },
      now: Date.now(),
    });
    const outcome = await runRequest({
      store,
      registry,
      requestKey: accepted.requestKey,
      clock: Date.now,
      remainingTimeMs: () => 900_000,
      deadLetterSink: { send: async () => {} },
    });
    if (outcome.kind !== 'completed') throw new Error(`bench request ended ${outcome.kind}`);
  };
}

/**
 * The peer: the same no-op steps as a durable function run by AWS's local
 * test runner (`LocalDurableTestRunner`, which checkpoints through an
 * in-process backend on a worker thread, as the SDK's own tests do).
 */
async function durableRunner(steps: number) {
  const { withDurableExecution } = await import('@aws/durable-execution-sdk-js');
  const { LocalDurableTestRunner } = await import('@aws/durable-execution-sdk-js-testing');
  const handler = withDurableExecution(async (_event: unknown, context) => {
    let n = 0;
    for (let i = 0; i < steps; i++) n = await context.step(`tick-${i}`, async () => n + 1);
    return { n };
  });
  const runner = new LocalDurableTestRunner({ handlerFunction: handler });
  return async () => {
    const execution = await runner.run({ payload: {} });
    if (execution.getStatus() !== 'SUCCEEDED')
      throw new Error(`durable run ${execution.getStatus()}`);
  };
}

/**
 * Engine cost per step beside AWS's durable execution SDK, in the same run:
 * a 1-step and a 10-step no-op workflow on each, in process (ours on the
 * in-memory store, theirs on the SDK's local test runner). Each run's wall
 * and CPU time; the per-step figure is the marginal one, (10-step − 1-step)
 * ÷ 9, which leaves out what a run costs once — the test runner waits a
 * fixed 100 ms at the end of every run (`realSetTimeout(…, 100)` in its
 * source, marked as a TODO), ours accepts the request.
 */
export const peerScenario: BenchScenario = {
  name: 'engine vs AWS durable execution SDK',
  async run({ quick, log }) {
    const rounds = quick ? 5 : 20;
    // Read the real clock: the test runner can install fake timers.
    const now = performance.now.bind(performance);
    const { LocalDurableTestRunner } = await import('@aws/durable-execution-sdk-js-testing');
    await LocalDurableTestRunner.setupTestEnvironment({ skipTime: false });
    const times: Record<string, RunTime> = {};
    try {
      [times.streamer1, times.streamer10] = await timePair(
        rounds * 10,
        now,
        streamerRun(1),
        streamerRun(10),
      );
      [times.durable1, times.durable10] = await timePair(
        rounds,
        now,
        await durableRunner(1),
        await durableRunner(10),
      );
    } finally {
      await LocalDurableTestRunner.teardownTestEnvironment();
    }
    const marginal = (engine: string, of: keyof RunTime) =>
      ((times[`${engine}10`]?.[of] ?? 0) - (times[`${engine}1`]?.[of] ?? 0)) / 9;
    const ours = marginal('streamer', 'wallMs');
    const theirs = marginal('durable', 'wallMs');
    useDurableSdkMsPerStep(theirs);
    log(
      `per step (marginal, wall): Streamer ${ours.toFixed(3)} ms, durable execution SDK ${theirs.toFixed(3)} ms (${(theirs / ours).toFixed(1)}×); runs of 1/10 steps: Streamer ${times.streamer1?.wallMs.toFixed(2)}/${times.streamer10?.wallMs.toFixed(2)} ms, SDK ${times.durable1?.wallMs.toFixed(1)}/${times.durable10?.wallMs.toFixed(1)} ms`,
    );
    // The test runner's fixed 100 ms wait at the end of each run is not the SDK's cost per step.
    const fixedMs = (engine: string) => (engine === 'durable' ? 100 : 0);
    const runDetails = (engine: string) => ({
      perStepOf10StepRunMs: round2(
        ((times[`${engine}10`]?.wallMs ?? Number.NaN) - fixedMs(engine)) / 10,
      ),
      run1StepWallMs: round2(times[`${engine}1`]?.wallMs ?? Number.NaN),
      run10StepsWallMs: round2(times[`${engine}10`]?.wallMs ?? Number.NaN),
      run1StepCpuMs: round2(times[`${engine}1`]?.cpuMs ?? Number.NaN),
      run10StepsCpuMs: round2(times[`${engine}10`]?.cpuMs ?? Number.NaN),
      cpuMsPerStep: round2(marginal(engine, 'cpuMs')),
    });
    const figures: BenchFigure[] = [
      {
        name: 'durable execution SDK per step (local test runner, marginal of 10 vs 1 step)',
        value: theirs,
        unit: 'ms/step',
        baseline: { name: 'Streamer per step, in-memory store, same measure', value: ours },
        details: runDetails('durable'),
      },
      {
        name: 'Streamer per step (in-memory store, marginal of 10 vs 1 step)',
        value: ours,
        unit: 'ms/step',
        details: runDetails('streamer'),
      },
    ];
    return figures;
  },
};
