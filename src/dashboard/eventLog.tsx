import type { HistoryEvent } from '../client';
import { formatDuration, formatTime } from './format';
import { stateText } from './runState';

/** The run's log: every event, the ones after the replayed `seq` dimmed. */
export function EventLog(props: {
  readonly events: readonly HistoryEvent[];
  readonly seq: number;
}) {
  const start = props.events[0]?.at ?? 0;
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
        {props.events.map((event) => (
          <tr key={event.seq} data-seq={event.seq} class={event.seq > props.seq ? 'is-future' : ''}>
            <td>{event.seq}</td>
            <td>{formatTime(event.at)}</td>
            <td>{formatDuration(event.at - start)}</td>
            <td>
              <code>{event.type}</code>
            </td>
            <td>{event.state === undefined ? '' : stateText(event.state)}</td>
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
