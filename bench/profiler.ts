import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** Profiles stretches of this process with V8's sampling CPU profiler. */
export interface StretchProfiler {
  profile<T>(label: string, work: () => Promise<T>): Promise<T>;
  close(): void;
}

/**
 * With `dir`, each `profile(label, work)` records a `.cpuprofile` (open it in
 * Chrome DevTools or summarise it with `bench/profileSummary.ts`) of exactly
 * that stretch; without, it only runs `work`.
 */
export function createStretchProfiler(dir: string | undefined): StretchProfiler {
  if (!dir) return { profile: (_label, work) => work(), close: () => undefined };
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  let ready: Promise<unknown> | undefined;
  return {
    async profile(label, work) {
      ready ??= session
        .post('Profiler.enable')
        .then(() => session.post('Profiler.setSamplingInterval', { interval: 200 }));
      await ready;
      await session.post('Profiler.start');
      try {
        return await work();
      } finally {
        const { profile } = await session.post('Profiler.stop');
        const file = join(dir, `${label.replace(/[^\w.-]+/g, '_')}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
      }
    },
    close: () => session.disconnect(),
  };
}
