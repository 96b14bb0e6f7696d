import type { StreamerClient } from '../../client';
import { printJson } from './output';

/** `streamer runs cancel <id>`: the run's `request.cancelled` is in its log at the answer's `seq`. */
export async function cancelRun(
  client: StreamerClient,
  id: string,
  options: { reason?: string; json?: boolean },
): Promise<number> {
  const reply = await client.cancel(id, options.reason);
  if (options.json) printJson(reply);
  else console.log(`Cancelled ${reply.request_id} (seq ${reply.seq}).`);
  return 0;
}

/** The event of `streamer runs signal <id> <event-json>`: a JSON object with a string `type`. */
export function parseEventArgument(text: string): { type: string; [key: string]: unknown } {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `The event is not JSON (${(error as Error).message}): pass e.g. '{"type":"approve","approver":"bob"}'`,
    );
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new Error('The event must be a JSON object with a "type", e.g. \'{"type":"approve"}\'');
  }
  if (typeof (event as { type?: unknown }).type !== 'string') {
    throw new Error('The event needs a string "type", e.g. \'{"type":"approve"}\'');
  }
  return event as { type: string };
}

/** `streamer runs signal <id> <event-json>`: sends the event; the answer says where it went in the log. */
export async function signalRun(
  client: StreamerClient,
  id: string,
  eventJson: string,
  options: { json?: boolean },
): Promise<number> {
  const reply = await client.signal(id, parseEventArgument(eventJson));
  if (options.json) printJson(reply);
  else console.log(`Sent ${reply.event_type} to ${reply.request_id} (seq ${reply.seq}).`);
  return 0;
}
