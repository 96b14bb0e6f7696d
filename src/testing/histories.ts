import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AnyMachineSnapshot } from 'xstate';
import {
  createWorkflowRegistry,
  machineFingerprint,
  type RequestState,
  replay,
  type Workflow,
  type WorkflowRegistry,
  WorkflowVersionMismatchError,
} from '../engine';
import { applyEvent, initialState } from '../engine/replay';
import type { StoredEvent } from '../events/event';
import { asLifecycleEvent } from '../events/lifecycle';
import { foldRequestView, type RequestView } from '../projections/requestView';
import { canonicalJson } from './oracleView';
import type { Caller, TestEngine } from './testEngine';

/**
 * A recorded history: the format of `test/histories/*.json`.
 *
 * @example
 * const history: GoldenHistory = await recordHistory(engine, 'golden');
 * history.view.status; // 'COMPLETED'
 */
export interface GoldenHistory {
  readonly action: string;
  readonly version: number;
  /** `machineFingerprint` of the machine it was recorded with. */
  readonly fingerprint: string;
  readonly events: StoredEvent[];
  /** The persisted XState snapshot the events fold to. */
  readonly snapshot: unknown;
  readonly view: RequestView;
}

/** A comparable (JSON) form of a snapshot. */
function persisted(state: RequestState): unknown {
  return JSON.parse(JSON.stringify(state.workflow.machine.getPersistedSnapshot(state.snapshot)));
}

/**
 * Captures a request of the test engine as a golden history; with `file`,
 * also writes it there (pretty JSON). Record one per workflow version, run
 * to its end, and commit it: {@link replayHistories} then fails any change
 * of the machine that is not a version bump.
 *
 * @example
 * await engine.start('expense_approval', input, { id: 'golden' });
 * await engine.runUntilIdle();
 * await engine.signal('golden', { type: 'approve', approver: 'bob' });
 * await engine.runUntilIdle();
 * await recordHistory(engine, 'golden', { file: 'test/histories/expense_approval.v1.json' });
 */
export async function recordHistory(
  engine: TestEngine,
  requestId: string,
  options: Caller & { readonly file?: string } = {},
): Promise<GoldenHistory> {
  const events = await engine.log(requestId, options);
  if (events.length === 0)
    throw new RangeError(`recordHistory: no request ${requestId} in this tenant`);
  const state = replay(engine.registry, events);
  const history: GoldenHistory = {
    action: state.action,
    version: state.workflow.version,
    fingerprint: machineFingerprint(state.workflow.machine),
    events,
    snapshot: persisted(state),
    view: foldRequestView(events) as RequestView,
  };
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    writeFileSync(options.file, `${JSON.stringify(history, null, 2)}\n`);
  }
  return history;
}

/**
 * What went wrong with one history file.
 *
 * @example
 * catch (error) { for (const p of (error as HistoryReplayError).problems) console.log(p.file, p.seq, p.problem); }
 */
export interface HistoryProblem {
  readonly file: string;
  readonly action: string;
  readonly version: number;
  readonly problem: string;
  /** The event that no longer replays, when one does not. */
  readonly seq?: number;
  readonly eventType?: string;
}

/**
 * How each history file fared.
 *
 * @example
 * replayHistories(dir, [expenseApproval]); // [{ file, action: 'expense_approval', version: 1, result: 'replayed' }]
 */
export interface HistoryResult {
  readonly file: string;
  readonly action: string;
  readonly version: number;
  /** `replayed`: same version, same end; `refused`: an older version, refused with a typed error as it must be. */
  readonly result: 'replayed' | 'refused';
}

/**
 * Thrown by {@link replayHistories}: the files that no longer replay, each
 * with what broke (the fingerprint, the event, the final snapshot or view).
 *
 * @example
 * try { replayHistories('test/histories', [expenseApproval]); }
 * catch (error) { if (error instanceof HistoryReplayError) console.log(error.problems[0]?.seq); }
 */
export class HistoryReplayError extends Error {
  override readonly name = 'HistoryReplayError';
  readonly problems: readonly HistoryProblem[];
  constructor(problems: readonly HistoryProblem[]) {
    super(
      `${problems.length} golden histor${problems.length === 1 ? 'y' : 'ies'} no longer replay:\n${problems
        .map((p) => `  ${p.file} (${p.action} v${p.version}): ${p.problem}`)
        .join('\n')}`,
    );
    this.problems = problems;
  }
}

/**
 * Options of {@link replayHistories}.
 *
 * @example
 * replayHistories(dir, [expenseApproval], { requireCurrent: false });
 */
export interface ReplayHistoriesOptions {
  /** Fail when a workflow has no history at its current version (default true). */
  readonly requireCurrent?: boolean;
}

/**
 * The versioning gate, for your CI: every `*.json` history in `dir` must
 * replay — with the machine it was recorded with (same fingerprint), every
 * recorded event still accepted, to the recorded snapshot and view — for as
 * long as its workflow keeps that version; a history of an older version
 * must be refused with `WorkflowVersionMismatchError`. Throws
 * {@link HistoryReplayError} naming each file and what broke.
 *
 * @example
 * it('replays the golden histories', () => {
 *   replayHistories(join(__dirname, 'histories'), [expenseApproval]);
 * });
 */
export function replayHistories(
  dir: string,
  workflows: readonly Workflow[],
  options: ReplayHistoriesOptions = {},
): HistoryResult[] {
  const registry = createWorkflowRegistry(workflows);
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort();
  const results: HistoryResult[] = [];
  const problems: HistoryProblem[] = [];
  for (const name of files) {
    const file = join(dir, name);
    const history = JSON.parse(readFileSync(file, 'utf8')) as GoldenHistory;
    const problem = checkHistory(registry, history);
    const about = { file, action: history.action, version: history.version };
    if (problem) problems.push({ ...about, ...problem });
    else results.push({ ...about, result: isCurrent(registry, history) ? 'replayed' : 'refused' });
  }
  if (options.requireCurrent !== false)
    problems.push(...missingCurrent(dir, workflows, files, registry));
  if (problems.length > 0) throw new HistoryReplayError(problems);
  return results;
}

const isCurrent = (registry: WorkflowRegistry, history: GoldenHistory): boolean =>
  registry.get(history.action)?.version === history.version;

type Problem = Omit<HistoryProblem, 'file' | 'action' | 'version'> | undefined;

function checkHistory(registry: WorkflowRegistry, history: GoldenHistory): Problem {
  const newest = registry.get(history.action);
  if (!newest) return { problem: `no workflow "${history.action}" is registered` };
  if (!isCurrent(registry, history)) return checkRefused(registry, history);
  const broken = firstUnreplayable(registry, history.events);
  const fingerprint = machineFingerprint(newest.machine);
  if (fingerprint !== history.fingerprint) {
    const where = broken ? `; ${broken.problem}` : '';
    return {
      ...broken,
      problem: `the machine changed (fingerprint ${fingerprint}, recorded ${history.fingerprint}) but its version is still ${history.version}: bump the version and record a new history${where}`,
    };
  }
  if (broken) return broken;
  const state = replay(registry, structuredClone(history.events));
  if (canonicalJson(persisted(state)) !== canonicalJson(history.snapshot))
    return { problem: 'it replays to another snapshot than the recorded one' };
  if (canonicalJson(foldRequestView(history.events)) !== canonicalJson(history.view))
    return { problem: 'its request view differs from the recorded one' };
  return undefined;
}

function checkRefused(registry: WorkflowRegistry, history: GoldenHistory): Problem {
  try {
    replay(registry, history.events);
  } catch (error) {
    if (error instanceof WorkflowVersionMismatchError) return undefined;
    return { problem: `refused with ${String(error)}, not WorkflowVersionMismatchError` };
  }
  return { problem: `v${history.version} is not registered, yet its log replayed` };
}

/** The first recorded event the current machine no longer takes where it was taken. */
function firstUnreplayable(registry: WorkflowRegistry, events: readonly StoredEvent[]): Problem {
  const [head, ...rest] = events;
  const accepted = head && asLifecycleEvent(head);
  if (accepted?.type !== 'request.accepted')
    return { problem: 'the log does not start with request.accepted' };
  const state = initialState(registry, accepted);
  for (const stored of rest) {
    const refusal = refusalOf(state.snapshot, state, stored);
    if (refusal)
      return {
        problem: `seq ${stored.seq} (${stored.type}) no longer replays: ${refusal}`,
        seq: stored.seq,
        eventType: stored.type,
      };
    try {
      applyEvent(state, stored);
    } catch (error) {
      return {
        problem: `seq ${stored.seq} (${stored.type}) throws on replay: ${String(error)}`,
        seq: stored.seq,
        eventType: stored.type,
      };
    }
  }
  return undefined;
}

function refusalOf(
  snapshot: AnyMachineSnapshot,
  state: RequestState,
  stored: StoredEvent,
): string | undefined {
  const event = asLifecycleEvent(stored);
  const where = `in state ${JSON.stringify(snapshot.value)}`;
  if (state.terminal) return undefined;
  if (event?.type === 'step.started' && !state.steps.has(event.data.stepId))
    return `the machine does not run step "${event.data.stepId}" ${where}`;
  if (event?.type === 'step.completed' && !state.steps.has(event.data.stepId))
    return `the machine does not run step "${event.data.stepId}" ${where}, so its output goes nowhere`;
  if (event?.type === 'request.signalled' && !snapshot.can(event.data.event))
    return `the machine does not accept "${event.data.event.type}" ${where}`;
  return undefined;
}

function missingCurrent(
  dir: string,
  workflows: readonly Workflow[],
  files: readonly string[],
  registry: WorkflowRegistry,
): HistoryProblem[] {
  const problems: HistoryProblem[] = [];
  for (const action of new Set(workflows.map((w) => w.action))) {
    const current = registry.require(action);
    const has = files.some((name) => {
      const history = JSON.parse(readFileSync(join(dir, name), 'utf8')) as GoldenHistory;
      return history.action === action && history.version === current.version;
    });
    if (!has) {
      problems.push({
        file: join(dir, `${action}.v${current.version}.json`),
        action,
        version: current.version,
        problem:
          'no history at the current version: record one with recordHistory(engine, requestId, { file })',
      });
    }
  }
  return problems;
}
