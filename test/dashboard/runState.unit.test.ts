import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import {
  activeNodeIds,
  currentLeaves,
  runAt,
  stateText,
  stepStates,
  visitedNodeIds,
} from '../../src/dashboard/runState';
import { layoutStatechart } from '../../src/dashboard/statechart/layout';
import { statechartSvg } from '../../src/dashboard/statechart/svg';
import { runTimeline } from '../../src/dashboard/timeline';
import { machineGraph } from '../../src/inspect/machineGraph';
import { runHistory } from '../../src/inspect/runHistory';
import { createTestEngine } from '../../src/testing';
import { createDemoWorkflows } from '../../src/workflows';

const expense = { employee: 'ann', amountCents: 12_500, receipts: ['rcpt-1', 'rcpt-2'] };

async function approvedExpense() {
  const engine = createTestEngine({ workflows: [expenseApproval] });
  await engine.start('expense_approval', expense, { id: 'e1' });
  await engine.runUntilIdle();
  await engine.advance(3_600_000); // an hour waiting for the manager
  await engine.signal('e1', { type: 'approve', approver: 'bob' });
  await engine.runUntilIdle();
  return runHistory(engine.registry, await engine.log('e1'), { afterSeq: 0, limit: 500 });
}

describe('the run at a seq (the replay slider)', () => {
  it('lights the state the run was in at each seq, and what it went through', async () => {
    const history = await approvedExpense();
    const graph = machineGraph(expenseApproval.machine);
    const waitingSeq = history.events.find((e) => e.state === 'awaitingApproval')?.seq ?? 0;
    expect(currentLeaves(graph, runAt(history.events, 2).state)).toEqual([
      'expense_approval.checking',
    ]);
    expect(currentLeaves(graph, runAt(history.events, waitingSeq).state)).toEqual([
      'expense_approval.awaitingApproval',
    ]);
    expect(runAt(history.events, waitingSeq)).toMatchObject({ status: 'PROCESSING', progress: 40 });
    expect(stepStates(history.events, waitingSeq)).toEqual(
      new Map([['checkReceipts', 'completed']]),
    );
    expect([...visitedNodeIds(graph, history.events, waitingSeq)].sort()).toEqual([
      'expense_approval',
      'expense_approval.awaitingApproval',
      'expense_approval.checking',
    ]);
    const end = runAt(history.events, Number.POSITIVE_INFINITY);
    expect(end).toMatchObject({ state: 'paid', status: 'COMPLETED', progress: 100 });
  });

  it('finds every active node of nested and parallel states', () => {
    const graph = machineGraph(createDemoWorkflows().trip_booking.machine);
    const value = { booking: { flight: 'reserved', hotel: 'reserving' } };
    expect(currentLeaves(graph, value)).toEqual([
      'trip_booking.booking.flight.reserved',
      'trip_booking.booking.hotel.reserving',
    ]);
    expect(activeNodeIds(graph, value).has('trip_booking.booking')).toBe(true);
    expect(stateText(value)).toBe('booking.{flight.reserved, hotel.reserving}');
  });
});

describe('the timeline (the Gantt, and the step durations of runs show)', () => {
  it('has a bar per attempt, and the hour spent waiting for the approval', async () => {
    const history = await approvedExpense();
    const timeline = runTimeline(
      history.events,
      machineGraph(expenseApproval.machine),
      history.events.at(-1)?.at ?? 0,
    );
    expect(timeline.rows.map((row) => row.label)).toEqual([
      'checkReceipts',
      'waiting in awaitingApproval',
      'payOut',
    ]);
    const [check, wait, pay] = timeline.rows;
    expect(check?.bars).toMatchObject([
      { kind: 'attempt', attempt: 1, outcome: 'completed', open: false },
    ]);
    expect(pay?.bars).toMatchObject([{ kind: 'attempt', attempt: 1, outcome: 'completed' }]);
    const waited = wait?.bars[0];
    expect(waited).toMatchObject({ kind: 'wait', open: false });
    expect((waited?.end ?? 0) - (waited?.start ?? 0)).toBeGreaterThanOrEqual(3_600_000);
  });

  it('shows failed attempts, their backoff and the attempt that succeeded', async () => {
    const flaky = createDemoWorkflows({ speed: 1_000 }).flaky_step;
    const engine = createTestEngine({ workflows: [flaky] });
    await engine.start('flaky_step', { failures: 2 }, { id: 'f1' });
    await engine.advanceUntilIdle();
    const history = runHistory(engine.registry, await engine.log('f1'), {
      afterSeq: 0,
      limit: 500,
    });
    const call = runTimeline(history.events, undefined, 0).rows.find((row) => row.label === 'call');
    expect(call?.bars.map((bar) => [bar.kind, bar.attempt, bar.outcome])).toEqual([
      ['attempt', 1, 'retrying'],
      ['retry_wait', undefined, undefined],
      ['attempt', 2, 'retrying'],
      ['retry_wait', undefined, undefined],
      ['attempt', 3, 'completed'],
    ]);
  });
});

describe('the drawn statechart', () => {
  it('escapes state and event names, so a machine cannot inject markup into the page', async () => {
    const machine = setup({}).createMachine({
      id: 'evil',
      initial: '<img src=x onerror=alert(1)>',
      states: {
        '<img src=x onerror=alert(1)>': { on: { '"><script>': 'b' } },
        b: { type: 'final' },
      },
    });
    const svg = statechartSvg(await layoutStatechart(machineGraph(machine), new ELK()));
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
