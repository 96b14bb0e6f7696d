import { appendThroughput } from './appendThroughput';
import { asyncEndToEnd } from './asyncEndToEnd';
import { connectionSetup } from './connectionSetup';
import { fanOut } from './fanOut';
import { progressLatency } from './progressLatency';
import { replayScenario } from './replay';
import { runnerScenario } from './runner';
import type { BenchScenario } from './scenario';
import { streamDelivery } from './streamDelivery';
import { syncEcho } from './syncEcho';

/** Every scenario `npm run bench` runs, in order. Add new ones here. */
export const scenarios: BenchScenario[] = [
  syncEcho,
  connectionSetup,
  fanOut,
  asyncEndToEnd,
  progressLatency,
  appendThroughput,
  replayScenario,
  runnerScenario,
  streamDelivery,
];
