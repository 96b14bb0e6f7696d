import { appendThroughput } from './appendThroughput';
import { frontDoor } from './frontDoor';
import { replayScenario } from './replay';
import { runnerScenario } from './runner';
import type { BenchScenario } from './scenario';
import { streamDelivery } from './streamDelivery';

/** Every scenario `npm run bench` runs, in order. Add new ones here. */
export const scenarios: BenchScenario[] = [
  appendThroughput,
  replayScenario,
  runnerScenario,
  streamDelivery,
  frontDoor,
];
