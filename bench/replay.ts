import { performance } from 'node:perf_hooks';
import { initialTransition, transition } from 'xstate';
import { createWorkflowRegistry, machineEventsOf, replay } from '../src/engine';
import { createLoopWorkflow, loopLog } from './loopWorkflow';
import type { BenchFigure, BenchScenario } from './scenario';
import { median } from './stats';

/**
 * Replay of logs of 100, 1,000 and 10,000 events through the engine
 * (`replay`: lifecycle events → XState events, bookkeeping, pure
 * `transition`) against folding the same machine events through bare XState
 * `initialTransition`/`transition` in the same run. The ratio is the engine's
 * overhead (target ≤ 1.2× at 10,000).
 */
export const replayScenario: BenchScenario = {
  name: 'engine replay vs bare XState transition',
  async run({ quick, log }) {
    const workflow = createLoopWorkflow();
    const registry = createWorkflowRegistry([workflow]);
    const figures: BenchFigure[] = [];
    for (const size of [100, 1_000, 10_000]) {
      const events = loopLog(size);
      const machineEvents = machineEventsOf(events);
      const input = { ticks: machineEvents.length };
      const engine = () => replay(registry, events);
      const bare = () => {
        let [snapshot] = initialTransition(workflow.machine, input);
        for (const event of machineEvents)
          [snapshot] = transition(workflow.machine, snapshot, event);
        return snapshot;
      };
      const rounds = quick ? 5 : Math.max(10, Math.round(200_000 / size));
      // Alternate the two so machine noise (other processes, GC) hits both alike.
      const [engineTimes, bareTimes] = measurePair(engine, bare, rounds);
      const engineMs = median(engineTimes);
      const bareMs = median(bareTimes);
      log(
        `${events.length} events: engine ${engineMs.toFixed(2)} ms, bare ${bareMs.toFixed(2)} ms`,
      );
      figures.push({
        name: `replay ${events.length} events`,
        value: engineMs,
        unit: 'ms',
        baseline: { name: 'bare XState transition', value: bareMs },
        details: {
          rounds,
          machineEvents: machineEvents.length,
          usPerEvent: Math.round((engineMs * 1000) / events.length),
        },
      });
    }
    return figures;
  },
};

function measurePair(a: () => unknown, b: () => unknown, rounds: number): [number[], number[]] {
  for (let i = 0; i < Math.min(3, rounds); i++) {
    a();
    b();
  }
  const timesA: number[] = [];
  const timesB: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let start = performance.now();
    a();
    timesA.push(performance.now() - start);
    start = performance.now();
    b();
    timesB.push(performance.now() - start);
  }
  return [timesA, timesB];
}
