import { InMemoryConnectionStore, newConnectionRecord } from '../connections/connectionStore';
import { InMemorySubscriptionStore, newSubscriptionRecord } from '../connections/subscriptionStore';
import {
  type AppendedResult,
  acceptRequest,
  cancelRequest,
  commitWakeUpAt,
  createWorkflowRegistry,
  type DeadLetterMessage,
  type ExternalEvent,
  type FlowControl,
  type RequestState,
  type RunOutcome,
  type RunRequestDeps,
  redriveRequest,
  replay,
  runRequest,
  signalRequest,
  type Workflow,
  type WorkflowRegistry,
  wakeUpAt,
} from '../engine';
import type { NewEvent, StoredEvent } from '../events/event';
import type { EventStore } from '../events/eventStore';
import { InMemoryEventStore } from '../events/memory/inMemoryEventStore';
import { toRequestKey } from '../events/requestKey';
import { frameForEvent, framesForEvents } from '../projections/progressFeed';
import { type ProjectorDeps, projectRequest } from '../projections/projector';
import { foldRequestView, type RequestView } from '../projections/requestView';
import { visibilityTimeoutSeconds } from '../settings/mappings';
import { Activity, macrotask, ObservedStore } from './activity';
import { FakeTime } from './fakeTime';
import type { RunStart } from './leaseRecoveries';
import {
  type DeliveredFrame,
  InMemoryRequestViewStore,
  RecordingFramePoster,
} from './memoryAdapters';
import { checkStubs, instrumentWorkflow, StepProbe, type StepStubs } from './stepProbe';
import { type WakeUp, WakeUpQueue } from './wakeUps';

/**
 * Options of {@link createTestEngine}.
 *
 * @example
 * createTestEngine({ workflows: [expenseApproval], budgetMs: 60_000, stubs: { payOut: async () => ({ transferId: 't' }) } });
 */
export interface TestEngineOptions {
  /** The workflows to register (every version you still have logs of). */
  readonly workflows: readonly Workflow[];
  /** Step functions to run instead of the real ones, by actor name. */
  readonly stubs?: StepStubs;
  /** The event log (default: a fresh `InMemoryEventStore`). */
  readonly store?: EventStore;
  /** Fake epoch ms the clock starts at (default 2025-01-01T00:00:00Z). */
  readonly startAt?: number;
  /** Each run's time budget, like a Lambda's timeout (default 15 minutes). */
  readonly budgetMs?: number;
  /** The runner's safety margin (default 1,000 ms). */
  readonly safetyMarginMs?: number;
  /** Progress batching window (default 200 ms of fake time). */
  readonly progressIntervalMs?: number;
  /** Tenant and user of calls that name none (default `tenant-a`, `user-1`). */
  readonly tenantId?: string;
  readonly userId?: string;
  /**
   * Concurrency slots and dependency circuits every run uses (default none),
   * e.g. `{ slots: new InMemorySlotStore(), defaultConcurrencyPerTenant: 2 }`.
   * Queued runs a released slot lets start are woken at once, as the runner does.
   */
  readonly flowControl?: FlowControl;
  /** @internal Replaces `projectRequest` (a faulty projector proves the kit catches it). */
  readonly project?: (deps: ProjectorDeps, requestKey: string) => Promise<unknown>;
  /** @internal Replaces `runRequest` (a faulty runner proves the kit catches it). */
  readonly runRequest?: (deps: RunRequestDeps) => Promise<RunOutcome>;
}

/**
 * Who makes a call: the tenant and user a verified token would carry.
 *
 * @example
 * await engine.status('r1', { tenantId: 'globex' }); // undefined: another tenant's request is NOT_FOUND
 */
export interface Caller {
  readonly tenantId?: string;
  readonly userId?: string;
}

/**
 * Options of {@link TestEngine.start}.
 *
 * @example
 * await engine.start('expense_approval', input, { id: 'e1', tenantId: 'acme', userId: 'ann' });
 */
export interface StartOptions extends Caller {
  /** The client's request id (default `req-1`, `req-2` …). */
  readonly id?: string;
  /** The submitting connection (default `<tenantId>/<userId>`, connected on first use). */
  readonly connectionId?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * What {@link TestEngine.start} did.
 *
 * @example
 * const { requestId, requestKey, created } = await engine.start('expense_approval', input);
 */
export interface StartedRequest {
  readonly requestId: string;
  readonly requestKey: string;
  readonly tenantId: string;
  /** False when the id was already taken in this tenant (nothing new was started). */
  readonly created: boolean;
}

/**
 * Options of one explicit {@link TestEngine.run}.
 *
 * @example
 * await engine.run('e1', { budgetMs: 4_000, store: (s) => new CrashingStore(s, 'during_step') });
 */
export interface RunOptions extends Caller {
  /** This run's budget (default the engine's `budgetMs`). */
  readonly budgetMs?: number;
  /** Wraps the store this run uses (crash injection). */
  readonly store?: (store: EventStore) => EventStore;
}

/** A run's own folded state when it stopped (`RunRequestDeps.onFinish`). */
export interface FinishedRun {
  readonly requestKey: string;
  readonly state: RequestState;
}

/**
 * The real engine — commands, runner, projector — on an in-memory store
 * with a fake clock. Nothing runs until you ask: {@link runUntilIdle} runs
 * what is due now, {@link advance} moves the clock, firing retries, step
 * deadlines, progress batches and lease ends in time order, letting the
 * runner settle between them. Days of waiting take milliseconds.
 *
 * @example
 * const engine: TestEngine = createTestEngine({ workflows: [expenseApproval] });
 * await engine.advance(60_000); // a minute of retries, at once
 */
export interface TestEngine {
  readonly registry: WorkflowRegistry;
  /** The log every run and command writes (observed: appends wake runs and projections). */
  readonly store: EventStore;
  /** Every dead-letter message sent, in order. */
  readonly deadLetters: readonly DeadLetterMessage[];
  /** The fake time, epoch ms. */
  now(): number;
  /** Waits `ms` of fake time (rejects when `signal` aborts): for stubs that take a while. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  start(action: string, input: unknown, options?: StartOptions): Promise<StartedRequest>;
  signal(requestId: string, event: ExternalEvent, caller?: Caller): Promise<AppendedResult>;
  cancel(requestId: string, caller?: Caller & { reason?: string }): Promise<AppendedResult>;
  redrive(requestId: string, caller?: Caller): Promise<AppendedResult>;
  /** One delivery to the runner now (a duplicate, if one is already due); schedules its wake-up. */
  run(requestId: string, options?: RunOptions): Promise<RunOutcome>;
  /** Runs everything due at the current time, and every projection, until nothing is left. */
  runUntilIdle(): Promise<void>;
  /** Moves the clock `ms` forward, firing what comes due in time order. */
  advance(ms: number): Promise<void>;
  /** Advances to each next timer or wake-up until none is left (at most `limitMs`, default 30 days). */
  advanceUntilIdle(limitMs?: number): Promise<void>;
  log(requestId: string, caller?: Caller): Promise<StoredEvent[]>;
  /** The request view the projector stored. */
  view(requestId: string, caller?: Caller): Promise<RequestView | undefined>;
  /** What `status` answers this caller: the fold of the log, undefined for NOT_FOUND. */
  status(requestId: string, caller?: Caller): Promise<RequestView | undefined>;
  /** The replayed engine state (machine snapshot and bookkeeping). */
  state(requestId: string, caller?: Caller): Promise<RequestState | undefined>;
  /** Opens a connection held by the caller's tenant and user. */
  connect(connectionId: string, caller?: Caller): Promise<void>;
  /** `subscribe` from `connectionId`; false is NOT_FOUND. With `lastSeq`, missed frames are replayed. */
  subscribe(
    requestId: string,
    connectionId: string,
    caller?: Caller & { lastSeq?: number },
  ): Promise<boolean>;
  /** The frames clients received, optionally those of one connection or request id. */
  frames(filter?: { connectionId?: string; requestId?: string }): DeliveredFrame[];
  /** Wake-ups not yet due, earliest first. */
  pendingWakeUps(): WakeUp[];
  /** The default connection of a tenant's user (`<tenantId>/<userId>`). */
  connectionOf(caller?: Caller): string;
  /** @internal The parts the lifecycle check looks into. */
  readonly internals: TestEngineInternals;
}

/** @internal */
export interface TestEngineInternals {
  readonly probe: StepProbe;
  readonly time: FakeTime;
  readonly connections: InMemoryConnectionStore;
  readonly subscriptions: InMemorySubscriptionStore;
  readonly poster: RecordingFramePoster;
  /** Runs that stopped since the last call, with their own folded state. */
  takeFinishedRuns(): FinishedRun[];
  /** Moves fake time (firing what comes due) until `promise` settles. */
  drive<T>(promise: Promise<T>): Promise<T>;
  /** Waits until no projection is in flight. */
  projected(): Promise<void>;
  /** Delivers a run now even if one is going (a duplicate delivery); its errors surface on the next settle. */
  kick(requestKey: string): void;
  /**
   * Takes the request's earliest wake-up due now off the queue, as a runner
   * takes a message before its run: a run driven by hand then stands for
   * that delivery (if none is due, for a duplicate one).
   */
  takeWakeUp(requestKey: string): WakeUp | undefined;
  /**
   * Puts a taken wake-up back for when its queue would deliver it again
   * after a crashed run: the visibility timeout, six times the runner's
   * budget (`visibilityTimeoutSeconds`, src/settings/mappings.ts).
   */
  redeliver(wakeUp: WakeUp): void;
  key(requestId: string, caller?: Caller): string;
  /** Every run started so far, in order. */
  runStarts(): readonly RunStart[];
}

/**
 * Creates a test engine.
 *
 * @example
 * const engine = createTestEngine({ workflows: [expenseApproval] });
 * await engine.start('expense_approval', { employee: 'ann', amountCents: 1200, receipts: ['rcpt-1'] }, { id: 'e1' });
 * await engine.runUntilIdle();
 * await engine.signal('e1', { type: 'approve', approver: 'bob' });
 * await engine.runUntilIdle();
 * (await engine.view('e1'))?.status; // 'COMPLETED'
 * engine.frames({ requestId: 'e1' }).at(-1)?.frame.type; // 'complete'
 */
export function createTestEngine(options: TestEngineOptions): TestEngine {
  return new Engine(options);
}

const DEFAULT_START = Date.UTC(2025, 0, 1);
const DEFAULT_BUDGET_MS = 15 * 60_000;
const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;

class Engine implements TestEngine {
  readonly registry: WorkflowRegistry;
  readonly store: EventStore;
  readonly deadLetters: DeadLetterMessage[] = [];
  readonly internals: TestEngineInternals;
  readonly #options: TestEngineOptions;
  readonly #time: FakeTime;
  readonly #activity: Activity;
  readonly #probe: StepProbe;
  readonly #wakeUps = new WakeUpQueue();
  readonly #running = new Set<string>();
  readonly #projecting = new Map<string, { again: boolean; done: Promise<void> }>();
  readonly #errors: unknown[] = [];
  readonly #finished: FinishedRun[] = [];
  readonly #runStarts: RunStart[] = [];
  readonly #views = new InMemoryRequestViewStore();
  readonly #connections = new InMemoryConnectionStore();
  readonly #subscriptions = new InMemorySubscriptionStore();
  readonly #poster = new RecordingFramePoster(this.#connections);
  #nextId = 1;

  constructor(options: TestEngineOptions) {
    this.#options = options;
    this.#time = new FakeTime(options.startAt ?? DEFAULT_START);
    this.#activity = new Activity(this.#time);
    this.#probe = new StepProbe(this.#activity, this.#time);
    checkStubs(options.workflows, options.stubs ?? {});
    this.registry = createWorkflowRegistry(
      options.workflows.map((w) => instrumentWorkflow(w, this.#probe, options.stubs)),
    );
    this.store = new ObservedStore(
      options.store ?? new InMemoryEventStore(),
      this.#activity,
      (requestKey, events) => this.#onAppended(requestKey, events),
    );
    this.internals = this.#internals();
  }

  #internals(): TestEngineInternals {
    return {
      probe: this.#probe,
      time: this.#time,
      connections: this.#connections,
      subscriptions: this.#subscriptions,
      poster: this.#poster,
      takeFinishedRuns: () => this.#finished.splice(0),
      drive: (promise) => this.#drive(promise),
      projected: () => this.#projected(),
      kick: (requestKey) => {
        this.#runOnce(requestKey, this.store).catch(
          (error: unknown) => void this.#errors.push(error),
        );
      },
      takeWakeUp: (requestKey) => this.#wakeUps.takeDueOf(requestKey, this.now()),
      redeliver: ({ requestKey }) => {
        const budgetMs = this.#options.budgetMs ?? DEFAULT_BUDGET_MS;
        const dueAt = this.now() + visibilityTimeoutSeconds(budgetMs / 1000) * 1000;
        this.#wakeUps.schedule({ requestKey, dueAt });
      },
      key: (requestId, caller) => this.#key(requestId, caller),
      runStarts: () => this.#runStarts,
    };
  }

  now(): number {
    return this.#time.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#time.sleep(ms, signal);
  }

  connectionOf(caller: Caller = {}): string {
    const { tenantId, userId } = this.#caller(caller);
    return `${tenantId}/${userId}`;
  }

  async start(action: string, input: unknown, options: StartOptions = {}): Promise<StartedRequest> {
    const { tenantId, userId } = this.#caller(options);
    const requestId = options.id ?? `req-${this.#nextId++}`;
    const connectionId = options.connectionId ?? this.connectionOf(options);
    if (!(await this.#connections.get(connectionId))) await this.connect(connectionId, options);
    const result = await acceptRequest(this.store, {
      workflow: this.registry.require(action),
      tenantId,
      userId,
      requestId,
      connectionId,
      input,
      now: this.now(),
      ...(options.metadata ? { metadata: options.metadata } : {}),
    });
    return { requestId, requestKey: result.requestKey, tenantId, created: result.created };
  }

  signal(requestId: string, event: ExternalEvent, caller: Caller = {}): Promise<AppendedResult> {
    const context = { ...this.#caller(caller), now: this.now() };
    return signalRequest(this.store, this.registry, this.#key(requestId, caller), event, context);
  }

  cancel(requestId: string, caller: Caller & { reason?: string } = {}): Promise<AppendedResult> {
    const context = {
      ...this.#caller(caller),
      now: this.now(),
      ...(caller.reason ? { reason: caller.reason } : {}),
    };
    return cancelRequest(this.store, this.registry, this.#key(requestId, caller), context);
  }

  redrive(requestId: string, caller: Caller = {}): Promise<AppendedResult> {
    const context = { ...this.#caller(caller), now: this.now() };
    return redriveRequest(this.store, this.registry, this.#key(requestId, caller), context);
  }

  async run(requestId: string, options: RunOptions = {}): Promise<RunOutcome> {
    const requestKey = this.#key(requestId, options);
    const store = options.store ? options.store(this.store) : this.store;
    return this.#runOnce(requestKey, store, options.budgetMs);
  }

  async runUntilIdle(): Promise<void> {
    await this.#settle();
  }

  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`advance(ms) needs ms >= 0, got ${ms}`);
    const target = this.now() + ms;
    await this.#settle();
    while (this.#fireNext(target)) await this.#settle();
    this.#time.moveTo(target);
    await this.#settle();
  }

  async advanceUntilIdle(limitMs = THIRTY_DAYS_MS): Promise<void> {
    const limit = this.now() + limitMs;
    await this.#settle();
    while (this.#fireNext(limit)) await this.#settle();
  }

  log(requestId: string, caller: Caller = {}): Promise<StoredEvent[]> {
    return this.store.read(this.#key(requestId, caller));
  }

  view(requestId: string, caller: Caller = {}): Promise<RequestView | undefined> {
    return this.#views.get(this.#key(requestId, caller));
  }

  async status(requestId: string, caller: Caller = {}): Promise<RequestView | undefined> {
    const view = foldRequestView(await this.log(requestId, caller));
    return view && view.tenantId === this.#caller(caller).tenantId ? view : undefined;
  }

  async state(requestId: string, caller: Caller = {}): Promise<RequestState | undefined> {
    const log = await this.log(requestId, caller);
    return log.length > 0 ? replay(this.registry, log) : undefined;
  }

  async connect(connectionId: string, caller: Caller = {}): Promise<void> {
    const { tenantId, userId } = this.#caller(caller);
    await this.#connections.put(
      newConnectionRecord({
        connectionId,
        tenantId,
        userId,
        endpoint: 'test-engine',
        connectedAt: this.now(),
      }),
    );
  }

  async subscribe(
    requestId: string,
    connectionId: string,
    caller: Caller & { lastSeq?: number } = {},
  ): Promise<boolean> {
    const { tenantId, userId } = this.#caller(caller);
    const requestKey = this.#key(requestId, caller);
    const [first] = await this.store.read(requestKey);
    if (!first || first.tenantId !== tenantId) return false;
    const subscribedAt = this.now();
    await this.#subscriptions.put(
      newSubscriptionRecord({
        requestKey,
        connectionId,
        tenantId,
        userId,
        requestId,
        subscribedAt,
      }),
    );
    await this.#views.subscribersChanged(requestKey);
    if (caller.lastSeq === undefined) return true;
    const missed = await this.store.read(requestKey, { fromSeq: caller.lastSeq + 1 });
    const poster = this.#poster.for(requestKey);
    for (const frame of framesForEvents(missed, requestId)) {
      if ((await poster.post(connectionId, frame)) === 'gone') break;
    }
    return true;
  }

  frames(filter: { connectionId?: string; requestId?: string } = {}): DeliveredFrame[] {
    return this.#poster.frames.filter(
      (d) =>
        (filter.connectionId === undefined || d.connectionId === filter.connectionId) &&
        (filter.requestId === undefined || requestIdOf(d.frame) === filter.requestId),
    );
  }

  pendingWakeUps(): WakeUp[] {
    return this.#wakeUps.pending();
  }

  #caller(caller: Caller): { tenantId: string; userId: string } {
    return {
      tenantId: caller.tenantId ?? this.#options.tenantId ?? 'tenant-a',
      userId: caller.userId ?? this.#options.userId ?? 'user-1',
    };
  }

  #key(requestId: string, caller: Caller = {}): string {
    return toRequestKey(this.#caller(caller).tenantId, requestId);
  }

  /** One run as the processor makes it: then its wake-up, if it needs one. */
  async #runOnce(requestKey: string, store: EventStore, budgetMs?: number): Promise<RunOutcome> {
    const run = this.#options.runRequest ?? runRequest;
    this.#runStarts.push({ requestKey, at: this.now() });
    const outcome = await run(this.#runDeps(requestKey, store, budgetMs));
    const dueAt = wakeUpAt(outcome);
    if (dueAt !== undefined) this.#wakeUps.schedule({ requestKey, dueAt });
    for (const woken of outcome.flow?.wake ?? []) {
      this.#wakeUps.schedule({ requestKey: woken, dueAt: this.now() });
    }
    return outcome;
  }

  #runDeps(requestKey: string, store: EventStore, budgetMs?: number): RunRequestDeps {
    const deadline = this.now() + (budgetMs ?? this.#options.budgetMs ?? DEFAULT_BUDGET_MS);
    return {
      store,
      registry: this.registry,
      requestKey,
      remainingTimeMs: () => deadline - this.now(),
      clock: () => this.now(),
      deadLetterSink: { send: async (message) => void this.deadLetters.push(message) },
      timers: this.#time,
      onFinish: (state) => void this.#finished.push({ requestKey, state }),
      ...(this.#options.flowControl ? { flowControl: this.#options.flowControl } : {}),
      ...(this.#options.safetyMarginMs !== undefined
        ? { safetyMarginMs: this.#options.safetyMarginMs }
        : {}),
      ...(this.#options.progressIntervalMs !== undefined
        ? { progressIntervalMs: this.#options.progressIntervalMs }
        : {}),
    };
  }

  /** The stream: an append wakes the runner (when and as the processor would) and the projector. */
  #onAppended(requestKey: string, events: readonly NewEvent[]): void {
    const dueAt = commitWakeUpAt(events, this.now());
    if (dueAt !== undefined) this.#wakeUps.schedule({ requestKey, dueAt });
    this.#queueProjection(requestKey);
  }

  #queueProjection(requestKey: string): void {
    const pending = this.#projecting.get(requestKey);
    if (pending) {
      pending.again = true;
      return;
    }
    const entry = { again: false, done: Promise.resolve() };
    this.#projecting.set(requestKey, entry);
    entry.done = this.#activity.projection(async () => {
      try {
        for (;;) {
          entry.again = false;
          await (this.#options.project ?? projectRequest)(
            this.#projectorDeps(requestKey),
            requestKey,
          );
          if (!entry.again) break;
        }
      } catch (error) {
        this.#errors.push(error);
      } finally {
        this.#projecting.delete(requestKey);
      }
    });
  }

  #projectorDeps(requestKey: string): ProjectorDeps {
    return {
      store: this.store,
      views: this.#views,
      connections: this.#connections,
      subscriptions: this.#subscriptions,
      poster: this.#poster.for(requestKey),
      frameFor: frameForEvent,
    };
  }

  async #projected(): Promise<void> {
    while (this.#projecting.size > 0) {
      await Promise.all([...this.#projecting.values()].map((entry) => entry.done));
    }
    this.#throwRecorded();
  }

  /** Fires the earliest timer or wake-up due by `upTo`; false when there is none. */
  #fireNext(upTo: number): boolean {
    const timerAt = this.#time.nextDueAt();
    const wakeUpAt = this.#wakeUps.nextDueAfter(this.now());
    if (
      timerAt !== undefined &&
      timerAt <= upTo &&
      (wakeUpAt === undefined || timerAt <= wakeUpAt)
    ) {
      return this.#time.fireNext(upTo);
    }
    if (wakeUpAt === undefined || wakeUpAt > upTo) return false;
    this.#time.moveTo(wakeUpAt);
    return true;
  }

  /**
   * Lets everything in flight finish and runs what is due, until only fake
   * time could make more happen: a turn of the real event loop (microtasks
   * drain before it) with no store call, projection or unparked step in
   * flight, and nothing due to dispatch.
   */
  async #settle(): Promise<void> {
    do await macrotask();
    while (this.#activity.busy || this.#dispatchDue());
    this.#throwRecorded();
  }

  /** Starts a run for each due wake-up whose request has no dispatched run going. */
  #dispatchDue(): boolean {
    let started = false;
    for (;;) {
      const wakeUp = this.#wakeUps.takeDue(this.now(), (key) => !this.#running.has(key));
      if (!wakeUp) return started;
      started = true;
      this.#running.add(wakeUp.requestKey);
      this.#runOnce(wakeUp.requestKey, this.store)
        .catch((error: unknown) => void this.#errors.push(error))
        .finally(() => this.#running.delete(wakeUp.requestKey));
    }
  }

  async #drive<T>(promise: Promise<T>): Promise<T> {
    let done = false;
    promise.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    const limit = this.now() + THIRTY_DAYS_MS;
    for (;;) {
      await this.#settle();
      if (done) return promise;
      if (!this.#fireNext(limit)) {
        throw new Error(
          'A run waits for something no timer or wake-up will bring (a step that never settles?)',
        );
      }
    }
  }

  #throwRecorded(): void {
    const [error] = this.#errors.splice(0);
    if (error !== undefined) throw error;
  }
}

function requestIdOf(frame: DeliveredFrame['frame']): string | undefined {
  return 'request_id' in frame ? frame.request_id : undefined;
}
