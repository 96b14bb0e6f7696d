import { formatDuration, formatTime } from './format';
import type { Timeline, TimelineBar } from './timeline';

function barLabel(bar: TimelineBar): string {
  const took = formatDuration(bar.end - bar.start);
  switch (bar.kind) {
    case 'attempt':
      return `attempt ${bar.attempt ?? 1}${bar.resumed ? ' (resumed)' : ''}: ${bar.outcome ?? ''} ${took}`;
    case 'retry_wait':
      return `backoff ${took}`;
    case 'child':
      return `child run ${took}`;
    case 'wait':
      return `waited ${took}${bar.open ? ' so far' : ''}`;
  }
}

/** The run's step attempts, backoffs and waits on one time axis. */
export function Gantt({ timeline }: { readonly timeline: Timeline }) {
  const span = Math.max(1, timeline.end - timeline.start);
  const pct = (t: number) => `${(((t - timeline.start) / span) * 100).toFixed(2)}%`;
  if (timeline.rows.length === 0) return <p class="muted">No steps yet.</p>;
  return (
    <div class="gantt">
      <div class="gantt-axis">
        <span>{formatTime(timeline.start)}</span>
        <span>{formatDuration(span)}</span>
        <span>{formatTime(timeline.end)}</span>
      </div>
      {timeline.rows.map((row) => (
        <div class="gantt-row" data-row={row.id} key={row.id}>
          <span class="gantt-label">{row.label}</span>
          <span class="gantt-track">
            {row.bars.map((bar) => (
              <span
                key={`${bar.kind}-${bar.seq}`}
                class={`gantt-bar bar-${bar.kind} out-${bar.outcome ?? 'none'}${bar.open ? ' is-open' : ''}`}
                style={{
                  left: pct(bar.start),
                  width: `max(3px, calc(${pct(bar.end)} - ${pct(bar.start)}))`,
                }}
                title={barLabel(bar)}
              />
            ))}
          </span>
        </div>
      ))}
    </div>
  );
}
