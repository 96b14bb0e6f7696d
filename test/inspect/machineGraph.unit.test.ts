import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { machineGraph } from '../../src/inspect/machineGraph';
import { describeWorkflow } from '../../src/inspect/workflowDescription';
import { createDemoRegistry } from '../../src/workflows';

describe('the machine graph describe sends', () => {
  it('has every state and every transition of the expense approval, steps named', () => {
    const graph = machineGraph(expenseApproval.machine);
    expect(graph.root).toBe('expense_approval');
    expect(graph.nodes.map((node) => [node.key, node.type])).toEqual([
      ['expense_approval', 'compound'],
      ['checking', 'atomic'],
      ['awaitingApproval', 'atomic'],
      ['paying', 'atomic'],
      ['paid', 'final'],
      ['rejected', 'final'],
    ]);
    expect(graph.nodes[0]?.initial).toBe('expense_approval.checking');
    expect(graph.nodes.find((node) => node.key === 'checking')?.invokes).toEqual([
      { id: 'checkReceipts', src: 'checkReceipts' },
    ]);
    expect(graph.transitions.map((t) => [t.source, t.label, t.targets])).toEqual([
      ['expense_approval.checking', 'done: checkReceipts', ['expense_approval.awaitingApproval']],
      ['expense_approval.awaitingApproval', 'approve', ['expense_approval.paying']],
      ['expense_approval.awaitingApproval', 'reject', ['expense_approval.rejected']],
      ['expense_approval.paying', 'done: payOut', ['expense_approval.paid']],
    ]);
  });

  it('names delays, guards, eventless and state-done transitions, and nested and parallel nodes', () => {
    const machine = setup({ guards: { isBig: () => true }, delays: { later: 100 } }).createMachine({
      id: 'm',
      initial: 'a',
      states: {
        a: { always: [{ guard: 'isBig', target: 'b' }, { target: 'c' }] },
        b: {
          type: 'parallel',
          onDone: 'c',
          states: {
            x: {
              initial: 'x1',
              states: { x1: { after: { 500: 'x2', later: 'x2' } }, x2: { type: 'final' } },
            },
            y: {
              initial: 'y1',
              states: {
                y1: { on: { GO: { target: 'y2', reenter: true } } },
                y2: { type: 'final' },
              },
            },
          },
        },
        c: { type: 'final' },
      },
    });
    const graph = machineGraph(machine);
    expect(graph.nodes.find((node) => node.id === 'm.b')?.type).toBe('parallel');
    expect(graph.nodes.find((node) => node.id === 'm.b.x.x1')?.parent).toBe('m.b.x');
    const byLabel = Object.fromEntries(graph.transitions.map((t) => [`${t.source} ${t.label}`, t]));
    expect(graph.transitions.filter((t) => t.kind === 'always')).toMatchObject([
      { source: 'm.a', guard: 'isBig', targets: ['m.b'], order: 0 },
      { source: 'm.a', targets: ['m.c'], order: 1 },
    ]);
    expect(byLabel['m.b done']).toMatchObject({ kind: 'state_done', targets: ['m.c'] });
    expect(byLabel['m.b.x.x1 after 500 ms']).toMatchObject({ kind: 'after', delay: 500 });
    expect(byLabel['m.b.x.x1 after later']).toMatchObject({ kind: 'after', delay: 'later' });
    expect(byLabel['m.b.y.y1 GO']).toMatchObject({ kind: 'event', reenter: true });
  });

  it('is described with the signals the workflow declares and their JSON Schemas', () => {
    const registry = createDemoRegistry();
    const described = describeWorkflow(
      {
        ...registry,
        get: (action, version) =>
          action === 'expense_approval' ? expenseApproval : registry.get(action, version),
      },
      'expense_approval',
    );
    expect(described).toMatchObject({
      action: 'expense_approval',
      version: 1,
      versions: [1],
      sync: false,
    });
    expect(described?.signals.map((s) => s.type)).toEqual(['approve', 'reject']);
    expect(described?.signals[0]?.schema).toMatchObject({
      type: 'object',
      required: ['type', 'approver'],
    });
    // Without declared signals: the machine's own external events.
    expect(describeWorkflow(registry, 'reminder')?.signals).toEqual([
      { type: 'snooze' },
      { type: 'dismiss' },
    ]);
    expect(describeWorkflow(registry, 'no_such_action')).toBeUndefined();
  });
});
