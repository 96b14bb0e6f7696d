import fc from 'fast-check';
import {
  describeOutcome,
  type LifecycleCommand,
  type LifecycleModel,
  type LifecycleReal,
  label,
  type ModelRequest,
  pick,
  step,
} from './lifecycleCommands';

/** The distinct requests `indices` point at. */
function requestsAt(model: Readonly<LifecycleModel>, indices: readonly number[]): ModelRequest[] {
  return [...new Set(indices.map((index) => pick(model, index)))];
}

/** Several requests run at once: those of one workflow and tenant race for its slots. */
class RaceForSlots implements LifecycleCommand {
  #text = 'raceForSlots';
  constructor(readonly indices: readonly number[]) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 1;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const requests = requestsAt(model, this.indices);
    this.#text = `raceForSlots(${requests.map(label).join(', ')})`;
    await step(
      real,
      () => this.#text,
      async () => {
        const runs = requests.map((r) => real.engine.run(r.requestId, { tenantId: r.tenantId }));
        const outcomes = await real.engine.internals.drive(Promise.all(runs));
        return outcomes.map(describeOutcome).join('; ');
      },
    );
  }
  toString = () => this.#text;
}

/**
 * One request's step is held mid-run (a slow attempt, parked on the fake
 * clock) while others run: those of its workflow and tenant must queue
 * behind it, then settle once it goes on.
 */
class RaceBehindAHolder implements LifecycleCommand {
  #text = 'raceBehindAHolder';
  constructor(
    readonly holder: number,
    readonly others: readonly number[],
  ) {}
  check = (model: Readonly<LifecycleModel>) => model.requests.length > 1;
  async run(model: LifecycleModel, real: LifecycleReal): Promise<void> {
    const holder = pick(model, this.holder);
    const others = requestsAt(model, this.others).filter((r) => r !== holder);
    this.#text = `raceBehindAHolder(${label(holder)} held; ${others.map(label).join(', ')})`;
    await step(
      real,
      () => this.#text,
      () => runBehind(real, holder, others),
    );
  }
  toString = () => this.#text;
}

async function runBehind(
  real: LifecycleReal,
  holder: ModelRequest,
  others: readonly ModelRequest[],
): Promise<string> {
  const { engine } = real;
  const key = engine.internals.key(holder.requestId, holder);
  engine.internals.probe.arm(key, 'slow');
  const held = engine.run(holder.requestId, { tenantId: holder.tenantId });
  try {
    // Runs what is due without moving the clock: the holder is parked in its step now (if it has one to run).
    await engine.runUntilIdle();
    const runs = others.map((r) => engine.run(r.requestId, { tenantId: r.tenantId }));
    const outcomes = await engine.internals.drive(Promise.all(runs));
    const heldOutcome = await engine.internals.drive(held);
    return `holder: ${describeOutcome(heldOutcome)}; others: ${outcomes.map(describeOutcome).join('; ')}`;
  } finally {
    engine.internals.probe.arm(key, undefined);
  }
}

/**
 * The commands a check under concurrency limits adds: runs of several
 * requests racing for their slots, and runs behind a request held mid-step.
 */
export function concurrencyCommands(): fc.Arbitrary<LifecycleCommand>[] {
  const indices = fc.array(fc.nat(7), { minLength: 2, maxLength: 4 });
  const race = indices.map((i): LifecycleCommand => new RaceForSlots(i));
  const behind = fc
    .tuple(fc.nat(7), fc.array(fc.nat(7), { minLength: 1, maxLength: 3 }))
    .map(([holder, others]): LifecycleCommand => new RaceBehindAHolder(holder, others));
  return [race, race, behind, behind];
}
