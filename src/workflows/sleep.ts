import { StepAbortedError } from '../engine';

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts, so a
 * demo step stops promptly when the runner runs out of time or is cancelled.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new StepAbortedError('lost'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new StepAbortedError('lost'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
