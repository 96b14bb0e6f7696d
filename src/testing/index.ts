/**
 * `streamer-engine/testing`: test your own workflows the way Streamer tests
 * itself — a test engine with a fake clock, the model-based lifecycle
 * property (`checkLifecycle`), every path of the machine (`machinePaths`),
 * and golden histories as a versioning gate (`recordHistory`,
 * `replayHistories`). Free of the AWS SDK and of any test runner: failures
 * are thrown errors, so vitest, jest and node:test all work.
 *
 * @example
 * import { checkLifecycle, createTestEngine, machinePaths, replayHistories } from 'streamer-engine/testing';
 */
export { machineFingerprint } from '../engine';
export type { CheckLifecycleOptions, LifecycleReport } from './checkLifecycle';
export { checkLifecycle } from './checkLifecycle';
export type { CrashPoint } from './crashes';
export { CRASH_POINTS, CrashingStore, SimulatedCrash } from './crashes';
export { InvariantViolation, NothingAcceptedError, PathMismatchError } from './errors';
export type {
  GoldenHistory,
  HistoryProblem,
  HistoryResult,
  ReplayHistoriesOptions,
} from './histories';
export { HistoryReplayError, recordHistory, replayHistories } from './histories';
export { signalTypesOf } from './machineEvents';
export type { MachinePath, MachinePathOptions, PathRun, PathStep } from './machinePaths';
export { machinePaths, runMachinePath } from './machinePaths';
export type { DeliveredFrame } from './memoryAdapters';
export { InMemoryRequestViewStore, RecordingFramePoster } from './memoryAdapters';
export type { OracleView } from './oracleView';
export { oracleView, viewDifference } from './oracleView';
export type { CustomFault, StepFault, StepStubs } from './stepProbe';
export { SLOW_STEP_MS } from './stepProbe';
export type {
  Caller,
  RunOptions,
  StartedRequest,
  StartOptions,
  TestEngine,
  TestEngineOptions,
} from './testEngine';
export { createTestEngine } from './testEngine';
export type { WakeUp } from './wakeUps';
