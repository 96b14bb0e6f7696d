import { describe, expect, it } from 'vitest';
import { type RunRequestDeps, runRequest, type Workflow } from '../../src/engine';
import {
  checkLifecycle,
  createTestEngine,
  InvariantViolation,
  NothingAcceptedError,
} from '../../src/testing';
import { createDemoWorkflows } from '../../src/workflows';

// checkLifecycle on a workflow that starts children: the children are
// registered beside it, their logs are checked like the parent's, and a
// schedule in which no input was ever accepted is an error, not a pass.

const demos = createDemoWorkflows({ speed: 400 });
const trip = demos.trip_booking as Workflow;
const children = [demos.charge_card as Workflow];
const inputs = [
  { destination: 'Oslo', nights: 2, amount_cents: 1200 },
  { destination: 'Oslo', nights: 2, amount_cents: 1200, decline_payment: true },
];

/** The runner, plus an engine bug: after a child's run it writes the child's ending a second time. */
async function runnerThatEndsChildrenTwice(deps: RunRequestDeps) {
  const outcome = await runRequest(deps);
  const log = await deps.store.read(deps.requestKey);
  const accepted = log[0]?.data as { parent?: unknown } | undefined;
  const last = log.at(-1);
  const endings = log.filter((event) => event.type === 'request.completed').length;
  if (accepted?.parent && last?.type === 'request.completed' && endings === 1) {
    const { seq: _seq, requestKey: _key, ...again } = last;
    await deps.store.append(deps.requestKey, last.seq, [again]);
  }
  return outcome;
}

describe('checkLifecycle with child workflows', () => {
  it('runs the children it starts and holds them to the invariants', async () => {
    const report = await checkLifecycle(trip, { inputs, children, numRuns: 20 });
    expect(report.requests).toBeGreaterThan(0);
  }, 120_000);

  it("catches a fault seen only in a child's log", async () => {
    const error = await checkLifecycle(trip, {
      inputs,
      children,
      numRuns: 50,
      faults: [],
      engine: { runRequest: runnerThatEndsChildrenTwice },
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(InvariantViolation);
    const violation = error as InvariantViolation;
    expect(violation.invariant).toBe('2 (one terminal)');
    expect(violation.requestKey).not.toMatch(/#r\d$/); // a child's key, not a submitted request's
  }, 120_000);

  it('fails when no input was ever accepted, instead of passing having checked nothing', async () => {
    const error = await checkLifecycle(trip, {
      inputs: [{ destination: '', nights: 0 }],
      children,
      numRuns: 5,
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NothingAcceptedError);
    expect((error as Error).message).toContain('trip_booking');
  });
});

describe('a child that ends after its parent stopped running', () => {
  it("wakes the parent through the child's outcome stored in the parent's log", async () => {
    let engine: ReturnType<typeof createTestEngine> | undefined;
    engine = createTestEngine({
      workflows: [trip, ...children],
      stubs: {
        // Slower than the parent's hand-off: the parent's run has stopped when the charge ends.
        authorize: async ({ signal }) => {
          await engine?.sleep(5_000, signal);
          return { charge_id: 'ch-1', amount_cents: 1200 };
        },
      },
    });
    await engine.start('trip_booking', inputs[0], { id: 'trip' });
    await engine.advanceUntilIdle();

    const log = await engine.log('trip');
    const handedOff = log.find((event) => event.type === 'child.started');
    const heard = log.find(
      (event) => event.seq > (handedOff?.seq ?? 0) && event.type === 'step.completed',
    );
    expect(heard && handedOff && heard.at - handedOff.at).toBeGreaterThanOrEqual(5_000);
    // At once, not when the parent's lease wake-up (its runner's budget, 15 min) comes.
    const end = log.at(-1);
    expect(end?.type).toBe('request.completed');
    expect(end && heard && end.at - heard.at).toBeLessThan(1_000);
  });
});
