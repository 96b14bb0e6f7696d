import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, step, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

const inputSchema = z.object({
  message: z.string().min(1).max(500),
  /** How long to wait before reminding: 100 ms to a week (divided by the demo speed). */
  delay_ms: z.number().int().min(100).max(WEEK_MS),
});

/** Input of `reminder`. */
export type ReminderInput = z.infer<typeof inputSchema>;

/** Output of `reminder`. */
export interface ReminderOutput {
  readonly message: string;
  readonly outcome: 'reminded' | 'dismissed';
  readonly snoozes: number;
}

/** The events a client may `signal` to a waiting reminder. */
export type ReminderEvent = { type: 'snooze' } | { type: 'dismiss' };

/**
 * `reminder`: a durable timer. It waits `delay_ms` (no Lambda waits: the
 * wake-up queue brings it back), then reminds. While it waits, `snooze`
 * starts the wait again and `dismiss` ends it: a signal racing a timeout.
 */
export function createReminder({
  speed,
}: DemoOptions): Workflow<ReminderInput, ReminderOutput, 'reminder'> {
  const remind = step<{ reminded_at: string }, ReminderInput>(async ({ input, progress, now }) => {
    progress.report(100, `Reminder: ${input.message}`);
    return { reminded_at: new Date(now()).toISOString() };
  });
  const machine = setup({
    types: {} as {
      input: ReminderInput;
      context: {
        message: string;
        delayMs: number;
        snoozes: number;
        outcome?: ReminderOutput['outcome'];
      };
      events: ReminderEvent;
    },
    actors: { remind },
    delays: { reminderDelay: ({ context }) => context.delayMs },
  }).createMachine({
    id: 'reminder',
    context: ({ input }) => ({
      message: input.message,
      delayMs: input.delay_ms / speed,
      snoozes: 0,
    }),
    initial: 'waiting',
    states: {
      waiting: {
        after: { reminderDelay: 'reminding' },
        on: {
          snooze: {
            target: 'waiting',
            reenter: true,
            actions: assign({ snoozes: ({ context }) => context.snoozes + 1 }),
          },
          dismiss: { target: 'done', actions: assign({ outcome: 'dismissed' }) },
        },
      },
      reminding: {
        invoke: {
          id: 'remind',
          src: 'remind',
          onDone: { target: 'done', actions: assign({ outcome: 'reminded' }) },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => ({
      message: context.message,
      outcome: context.outcome ?? 'reminded',
      snoozes: context.snoozes,
    }),
  });
  return defineWorkflow({
    action: 'reminder',
    version: 1,
    estimatedDuration: 60_000,
    input: inputSchema,
    machine,
  });
}
