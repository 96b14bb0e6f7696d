import type { StoredEvent } from '../events/event';

/**
 * A schedule and what it left behind, as text a person can read: the
 * commands in order (with what each saw), then each request's log.
 *
 * @example
 * formatHistory(['submit(tenant-a/r1)', 'run(tenant-a/r1, tight) → suspended'], logs);
 */
export function formatHistory(
  commands: readonly string[],
  logs: ReadonlyMap<string, readonly StoredEvent[]>,
): string {
  const lines = ['schedule:', ...commands.map((command, i) => `  ${i + 1}. ${command}`)];
  const start = Math.min(...[...logs.values()].map((log) => log[0]?.at ?? Infinity));
  for (const [requestKey, log] of logs) {
    lines.push(`log of ${requestKey}:`);
    for (const event of log) lines.push(`  ${formatEvent(event, start)}`);
  }
  return lines.join('\n');
}

/** One event as a line: seq, time from the start, type, data. */
export function formatEvent(event: StoredEvent, start = event.at): string {
  const data = JSON.stringify(event.data);
  const shown = data && data.length > 160 ? `${data.slice(0, 157)}...` : data;
  return `${String(event.seq).padStart(3)} +${event.at - start}ms ${event.type} ${shown ?? ''}`;
}
