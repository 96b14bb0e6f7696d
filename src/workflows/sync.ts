import { z } from 'zod';
import { defineHandler, type Workflow } from '../engine';

/**
 * `echo`: answers inline with what it was sent, as the original system did.
 *
 * @example
 * // {"action":"echo","payload":{"hi":1}} → { echo: { hi: 1 }, action: 'echo', received_at: '2025-…Z' }
 */
export function createEcho(): Workflow<
  unknown,
  { echo: unknown; action: string; received_at: string },
  'echo'
> {
  return defineHandler({
    action: 'echo',
    estimatedDuration: 10,
    input: z.unknown(),
    retry: { maxAttempts: 1 },
    process: async (payload, { now }) => ({
      echo: payload ?? null,
      action: 'echo',
      received_at: new Date(now()).toISOString(),
    }),
  });
}

/** `health`: answers inline `{ status: 'healthy', timestamp, version }`. */
export function createHealth(
  appVersion: string,
): Workflow<unknown, { status: 'healthy'; timestamp: string; version: string }, 'health'> {
  return defineHandler({
    action: 'health',
    estimatedDuration: 5,
    input: z.unknown(),
    retry: { maxAttempts: 1 },
    process: async (_payload, { now }) => ({
      status: 'healthy' as const,
      timestamp: new Date(now()).toISOString(),
      version: appVersion,
    }),
  });
}
