import { assign, setup } from 'xstate';
import { z } from 'zod';
import { childWorkflow, defineWorkflow, NonRetryableError, step, type Workflow } from '../engine';
import type { ChargeCardInput, ChargeCardOutput } from './chargeCard';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const inputSchema = z.object({
  destination: z.string().min(1).max(100),
  nights: z.number().int().min(1).max(30),
  amount_cents: z.number().int().min(0),
  /** Make the hotel refuse the booking (after the flight was booked). */
  fail_hotel: z.boolean().optional(),
  /** Make the card decline (after both bookings). */
  decline_payment: z.boolean().optional(),
});

/** Input of `trip_booking`. */
export type TripBookingInput = z.infer<typeof inputSchema>;

/** Output of `trip_booking`. */
export type TripBookingOutput =
  | {
      readonly status: 'confirmed';
      readonly flight: string;
      readonly hotel: string;
      readonly charge_id: string;
    }
  | { readonly status: 'rolled_back'; readonly reason: string; readonly undone: string[] };

interface TripContext {
  readonly input: TripBookingInput;
  flight?: string;
  hotel?: string;
  chargeId?: string;
  reason?: string;
  undone: string[];
}

/**
 * `trip_booking`: a saga. It books the flight and the hotel in parallel
 * (two steps, each under its own lease), then pays through the
 * `charge_card` child workflow. If a booking or the payment fails, the
 * steps that completed are undone by compensating steps (cancel the
 * bookings made), and the trip ends `rolled_back` instead of failing.
 */
export function createTripBooking({
  speed,
}: DemoOptions): Workflow<TripBookingInput, TripBookingOutput, 'trip_booking'> {
  const reserve = (what: 'flight' | 'hotel') =>
    step<string, TripBookingInput>(async ({ input, requestId, progress, signal }) => {
      progress.report(10, `Booking the ${what} to ${input.destination}`);
      await sleep(400 / speed, signal);
      if (what === 'hotel' && input.fail_hotel) {
        throw new NonRetryableError(`No hotel room in ${input.destination}`);
      }
      return `${what}-${encodeURIComponent(requestId)}`;
    });
  const cancelBooking = step<string | undefined, TripBookingInput, { booking?: string }>(
    async ({ stepInput, progress, signal }) => {
      if (!stepInput.booking) return undefined; // never booked: nothing to undo
      await sleep(200 / speed, signal);
      progress.report(90, `Cancelled ${stepInput.booking}`);
      return stepInput.booking;
    },
  );
  const machine = setup({
    types: {} as { input: TripBookingInput; context: TripContext },
    actors: {
      bookFlight: reserve('flight'),
      bookHotel: reserve('hotel'),
      pay: childWorkflow<ChargeCardOutput, ChargeCardInput>('charge_card'),
      cancelBooking,
    },
  }).createMachine({
    id: 'trip_booking',
    context: ({ input }) => ({ input, undone: [] }),
    initial: 'booking',
    states: {
      booking: {
        type: 'parallel',
        onDone: 'paying',
        states: {
          flight: {
            initial: 'reserving',
            states: {
              reserving: {
                invoke: {
                  id: 'bookFlight',
                  src: 'bookFlight',
                  onDone: {
                    target: 'reserved',
                    actions: assign({ flight: ({ event }) => event.output }),
                  },
                  onError: {
                    target: '#trip_booking.compensating',
                    actions: assign({ reason: reasonOf }),
                  },
                },
              },
              reserved: { type: 'final' },
            },
          },
          hotel: {
            initial: 'reserving',
            states: {
              reserving: {
                invoke: {
                  id: 'bookHotel',
                  src: 'bookHotel',
                  onDone: {
                    target: 'reserved',
                    actions: assign({ hotel: ({ event }) => event.output }),
                  },
                  onError: {
                    target: '#trip_booking.compensating',
                    actions: assign({ reason: reasonOf }),
                  },
                },
              },
              reserved: { type: 'final' },
            },
          },
        },
      },
      paying: {
        invoke: {
          id: 'pay',
          src: 'pay',
          input: ({ context }) => ({
            amount_cents: context.input.amount_cents,
            card: 'demo-card',
            ...(context.input.decline_payment ? { decline: true } : {}),
          }),
          onDone: {
            target: 'confirmed',
            actions: assign({ chargeId: ({ event }) => event.output.charge_id }),
          },
          onError: { target: 'compensating', actions: assign({ reason: reasonOf }) },
        },
      },
      compensating: {
        type: 'parallel',
        onDone: 'rolledBack',
        states: {
          flight: {
            initial: 'cancelling',
            states: {
              cancelling: {
                invoke: {
                  id: 'cancelFlight',
                  src: 'cancelBooking',
                  input: ({ context }) => ({ booking: context.flight }),
                  onDone: { target: 'cancelled', actions: assign({ undone: recordUndone }) },
                },
              },
              cancelled: { type: 'final' },
            },
          },
          hotel: {
            initial: 'cancelling',
            states: {
              cancelling: {
                invoke: {
                  id: 'cancelHotel',
                  src: 'cancelBooking',
                  input: ({ context }) => ({ booking: context.hotel }),
                  onDone: { target: 'cancelled', actions: assign({ undone: recordUndone }) },
                },
              },
              cancelled: { type: 'final' },
            },
          },
        },
      },
      confirmed: { type: 'final' },
      rolledBack: { type: 'final' },
    },
    output: ({ context }): TripBookingOutput =>
      context.chargeId
        ? {
            status: 'confirmed',
            flight: context.flight ?? '',
            hotel: context.hotel ?? '',
            charge_id: context.chargeId,
          }
        : { status: 'rolled_back', reason: context.reason ?? 'unknown', undone: context.undone },
  });
  return defineWorkflow({
    action: 'trip_booking',
    version: 1,
    estimatedDuration: 60_000,
    input: inputSchema,
    retry: {
      maxAttempts: 3,
      initialDelayMs: 200 / speed,
      backoffRate: 2,
      maxDelayMs: 2_000 / speed,
    },
    machine,
  });
}

/** Adds a compensating step's cancelled booking (if it had one) to the list of what was undone. */
function recordUndone({
  context,
  event,
}: {
  context: TripContext;
  event: { output?: unknown };
}): string[] {
  return typeof event.output === 'string' ? [...context.undone, event.output] : context.undone;
}

function reasonOf({ event }: { event: { error?: unknown } }): string {
  const error = event.error as { message?: unknown } | undefined;
  return typeof error?.message === 'string' ? error.message : 'failed';
}
