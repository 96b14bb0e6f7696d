import { describe, expect, it, vi } from 'vitest';
import { createMachine, fromPromise, setup } from 'xstate';
import {
  createWorkflowRegistry,
  defineWorkflow,
  NotAMachineError,
  NotAStepError,
  step,
  UnregisteredActorError,
  type Workflow,
} from '../../src/engine';
import { createHarness } from './support/harness';

// A workflow the engine cannot run is refused when it is defined or
// registered, naming the workflow and the actor; and a step made by another
// copy of the engine module (as a CommonJS user module beside the engine's
// ES module gets) is still a step.

const anyInput = {
  '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) },
} as const;

function oneInvoke(src: string, actors: Record<string, unknown>) {
  return createMachine(
    {
      id: 'one',
      initial: 'working',
      states: {
        working: { invoke: { id: 'work', src, onDone: 'done' } },
        done: { type: 'final' },
      },
    },
    { actors: actors as never },
  );
}

const options = (machine: unknown) => ({
  action: 'resize_images',
  version: 1,
  estimatedDuration: 60_000,
  input: anyInput,
  machine: machine as Workflow['machine'],
});

describe('defineWorkflow refuses a machine the engine cannot run', () => {
  it('names an invoked actor that setup({ actors }) does not register', () => {
    const define = () => defineWorkflow(options(oneInvoke('download', {})));
    expect(define).toThrow(UnregisteredActorError);
    expect(define).toThrow(
      'Workflow resize_images invokes actor "download" (in state one.working) that is not registered',
    );
  });

  it('names an invoked actor that is not a step', () => {
    const plain = fromPromise(async () => 'done');
    const define = () => defineWorkflow(options(oneInvoke('download', { download: plain })));
    expect(define).toThrow(NotAStepError);
    expect(define).toThrow('Workflow resize_images invokes actor "work" that is not a step');
  });

  it('finds actors in nested and parallel states', () => {
    const machine = setup({ actors: { a: step(async () => 1) } }).createMachine({
      type: 'parallel',
      states: {
        left: { initial: 'x', states: { x: { invoke: { src: 'a' } } } },
        right: { initial: 'y', states: { y: { invoke: { src: 'missing' as 'a' } } } },
      },
    });
    expect(() => defineWorkflow(options(machine))).toThrow(/"missing" \(in state .*right\.y\)/);
  });

  it('says what to pass when `machine` is not a machine', () => {
    expect(() => defineWorkflow(options({ states: {} }))).toThrow(NotAMachineError);
  });
});

describe('createWorkflowRegistry refuses the same machines', () => {
  it('even when the workflow object was built by hand', () => {
    const handBuilt = {
      ...defineWorkflow(options(oneInvoke('download', { download: step(async () => 1) }))),
      machine: oneInvoke('upload', {}),
    };
    expect(() => createWorkflowRegistry([handBuilt])).toThrow(/actor "upload"/);
  });
});

describe('a step from a second copy of the engine module', () => {
  it('is recognised at registration and runs to completion', async () => {
    // Prepare: a fresh module graph gives a second, separate copy of step().
    vi.resetModules();
    const secondCopy = (await import(
      '../../src/engine/step'
    )) as typeof import('../../src/engine/step');
    expect(secondCopy.step).not.toBe(step);
    const download = secondCopy.step(async ({ requestId, tenantId }) => ({ requestId, tenantId }));
    const workflow = defineWorkflow({
      ...options(null),
      machine: setup({ actors: { download } }).createMachine({
        id: 'resize_images',
        initial: 'downloading',
        context: {},
        states: {
          downloading: {
            invoke: { id: 'download', src: 'download', onDone: { target: 'done' } },
          },
          done: { type: 'final' },
        },
        output: () => ({ resized: true }),
      }),
    });
    // Act
    const harness = createHarness(createWorkflowRegistry([workflow]));
    await harness.submit('resize_images', {});
    const outcomes = await harness.settle();
    // Assess
    expect(outcomes.at(-1)).toMatchObject({ kind: 'completed', output: { resized: true } });
    expect(await harness.types()).toContain('step.completed');
  });
});
