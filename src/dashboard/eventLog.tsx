import type { HistoryEvent } from '../client';
import { formatDuration, formatTime } from './format';
import { stateText } from './runState';

/** The state text to show on each row: only where it changed (pages of history each repeat their first state). */
function stateChanges(events: readonly HistoryEvent[]): string[] {
  let shown = '';
  return events.map((event) => {
    if (event.state === undefined) return '';
    const text = stateText(event.state);
    if (text === shown) return '';
    shown = text;
    return text;
  });
}

/** The run's log: every event, the ones after the replayed `seq` dimmed. */
export function EventLog(props: {
  readonly events: readonly HistoryEvent[];
  readonly seq: number;
}) {
  const start = props.events[0]?.at ?? 0;
  const changes = stateChanges(props.events);
  return (
    <table class="event-log">
      <thead>
        <tr>
          <th>seq</th>
          <th>time (UTC)</th>
          <th>+</th>
          <th>event</th>
          <th>state</th>
          <th>data</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((event, index) => (
          <tr key={event.seq} data-seq={event.seq} class={event.seq > props.seq ? 'is-future' : ''}>
            <td>{event.seq}</td>
            <td>{formatTime(event.at)}</td>
            <td>{formatDuration(event.at - start)}</td>
            <td>
              <code>{event.type}</code>
            </td>
            <td>{changes[index]}</td>
            <td>
              <details>
                <summary>{JSON.stringify(event.data)?.slice(0, 80)}</summary>
                <pre>{JSON.stringify(event.data, null, 2)}</pre>
              </details>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
