import { appendThroughput } from './appendThroughput';
import { asyncEndToEnd } from './asyncEndToEnd';
import { connectionSetup } from './connectionSetup';
import { costScenario } from './cost';
import { dispatchScenario } from './dispatch';
import { fanOut } from './fanOut';
import { peerScenario } from './peer';
import { progressLatency } from './progressLatency';
import { replayScenario } from './replay';
import { runnerScenario } from './runner';
import type { BenchScenario } from './scenario';
import { streamDelivery } from './streamDelivery';
import { syncEcho } from './syncEcho';

/** Every scenario `npm run bench` runs, in order. Add new ones here. */
// The storage and engine scenarios come first, on the runner's fresh DynamoDB Local;
// the load scenarios share the local stack, which runs on a DynamoDB Local of its own
// (an idle stack still polls its streams, and DynamoDB Local slows as they grow).
export const scenarios: BenchScenario[] = [
  appendThroughput,
  replayScenario,
  runnerScenario,
  peerScenario,
  streamDelivery,
  syncEcho,
  connectionSetup,
  fanOut,
  dispatchScenario,
  asyncEndToEnd,
  progressLatency,
  costScenario,
];
