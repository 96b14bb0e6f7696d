import cliProgress from 'cli-progress';
import type { ClientOptions, RunFrame, StreamerClient } from '../../client';

type ConnectionEvent = Parameters<NonNullable<ClientOptions['onConnectionEvent']>>[0];

import { printJson } from './output';

/** What the watch shows: a progress bar on a terminal, lines elsewhere, JSON lines with `--json`. */
interface WatchView {
  onFrame(frame: RunFrame): void;
  onConnection(event: ConnectionEvent): void;
  stop(): void;
}

function barView(): WatchView {
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {message}{note}',
      hideCursor: true,
      stopOnComplete: false,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let value = 0;
  let drops = 0;
  let down = false;
  // The bar redraws at most 10 times a second: a note that stays says a reconnect happened.
  const note = () =>
    down ? ' (connection lost, reconnecting…)' : drops > 0 ? ` (reconnected ${drops}×)` : '';
  bar.start(100, 0, { message: 'waiting for the first progress…', note: '' });
  return {
    onFrame(frame) {
      if (frame.type === 'progress') {
        value = Math.max(value, frame.percentage);
        bar.update(value, { message: frame.message, note: note() });
      } else if (frame.type === 'complete') bar.update(100, { message: 'complete', note: note() });
      else
        bar.update(value, { message: `${frame.error.code}: ${frame.error.message}`, note: note() });
    },
    onConnection(event) {
      if (event.type === 'close' && !down) {
        down = true;
        drops += 1;
      } else if (event.type === 'open') down = false;
      bar.update(value, { note: note() });
    },
    stop: () => bar.stop(),
  };
}

function lineView(json: boolean): WatchView {
  return {
    onFrame(frame) {
      if (json) process.stdout.write(`${JSON.stringify(frame)}\n`);
      else if (frame.type === 'progress')
        console.log(`${Math.round(frame.percentage)}% ${frame.message}`);
      else if (frame.type === 'complete') console.log('100% complete');
      else console.log(`${frame.error.code}: ${frame.error.message}`);
    },
    onConnection(event) {
      if (!json && event.type === 'close') console.error('connection lost, reconnecting…');
    },
    stop: () => undefined,
  };
}

/**
 * `streamer runs watch <id>`: follows the run from its first frame (`attach`
 * from seq 0, so a finished run replays to its end) until its terminal
 * frame, across reconnects (the client resubscribes from the last seq).
 * Exit code 0 when it completed, 1 when it failed or was cancelled.
 */
export async function watchRun(
  connect: (onConnection: (event: ConnectionEvent) => void) => StreamerClient,
  id: string,
  options: { json?: boolean },
): Promise<number> {
  const view = options.json || !process.stdout.isTTY ? lineView(options.json === true) : barView();
  const client = connect((event) => view.onConnection(event));
  const run = client.attach(id);
  let last: RunFrame | undefined;
  try {
    for await (const frame of run.events) {
      last = frame;
      view.onFrame(frame);
    }
  } finally {
    view.stop();
    client.close();
  }
  if (last?.type === 'complete') {
    if (!options.json) console.log(`result ${JSON.stringify(last.result)}`);
    return 0;
  }
  if (options.json && !last)
    printJson({ error: { code: 'NO_FRAMES', message: 'The run ended with no frame' } });
  return 1;
}
