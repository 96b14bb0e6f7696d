import { type Command, InvalidArgumentError } from 'commander';
import type { StreamerClient } from '../../client';
import { RUN_STATUSES } from '../../protocol';
import { runCommand } from './output';
import { clientFor, resolveTarget, type TargetOptions } from './target';

/** Flags every command that talks to an engine takes. */
interface Common extends TargetOptions {
  readonly json?: boolean;
}

function withTarget(command: Command): Command {
  return command
    .option(
      '--url <url>',
      'the engine WebSocket URL (default: STREAMER_URL, else the running local stack)',
    )
    .option(
      '--token <jwt>',
      'the JWT to connect with (default: STREAMER_TOKEN, else a dev token of the local stack)',
    )
    .option('--tenant <tenant>', "the local stack's dev token: its tenant", 'dev-tenant')
    .option('--user <user>', "the local stack's dev token: its user", 'dev-user')
    .option('--json', 'print JSON for scripts');
}

/** Runs `body` with a client on the resolved engine, closing it afterwards. */
async function withClient(options: Common, body: (client: StreamerClient) => Promise<number>) {
  await runCommand(options.json, async () => {
    const client = clientFor(await resolveTarget(options));
    try {
      return await body(client);
    } finally {
      client.close();
    }
  });
}

function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('a whole number >= 1');
  return parsed;
}

function registerReadCommands(runs: Command): void {
  withTarget(runs.command('list').description("list your tenant's runs, newest first"))
    .option(
      '--status <status>',
      `${RUN_STATUSES.slice(0, -1).join(', ')} or ${RUN_STATUSES.at(-1)}`,
    )
    .option('--action <action>', 'only runs of this workflow')
    .option('--since <time>', 'created at or after: 30m, 2h, 7d (ago), an ISO date, or epoch ms')
    .option('--until <time>', 'created at or before (same forms)')
    .option('--limit <n>', 'runs per page (1-100, default 25)', positiveInt)
    .option('--cursor <cursor>', 'the next page, from a previous list')
    .option('--all', 'every page')
    .action(async (options) => {
      const { listRuns } = await import('./list');
      await withClient(options, (client) => listRuns(client, options));
    });
  withTarget(
    runs.command('show').description('a run: its state, steps with durations, and event log'),
  )
    .argument('<id>', 'the run (request) id')
    .action(async (id: string, options: Common) => {
      const { showRun } = await import('./show');
      await withClient(options, (client) => showRun(client, id, options));
    });
  withTarget(
    runs
      .command('watch')
      .description('a live progress bar until the run ends (survives reconnects)'),
  )
    .argument('<id>', 'the run (request) id')
    .action(async (id: string, options: Common) => {
      const { watchRun } = await import('./watch');
      await runCommand(options.json, async () => {
        const target = await resolveTarget(options);
        return watchRun((onConnection) => clientFor(target, onConnection), id, options);
      });
    });
}

function registerWriteCommands(runs: Command, defaultWorkflows: () => string | undefined): void {
  withTarget(runs.command('cancel').description('cancel a run'))
    .argument('<id>', 'the run (request) id')
    .option('--reason <reason>', 'why (kept in the log and sent in its error frame)')
    .action(async (id: string, options: Common & { reason?: string }) => {
      const { cancelRun } = await import('./control');
      await withClient(options, (client) => cancelRun(client, id, options));
    });
  withTarget(runs.command('signal').description('send an event to a run waiting for one'))
    .argument('<id>', 'the run (request) id')
    .argument('<event-json>', 'the XState event, e.g. \'{"type":"approve","approver":"bob"}\'')
    .action(async (id: string, eventJson: string, options: Common) => {
      const { parseEventArgument, signalRun } = await import('./control');
      await runCommand(options.json, async () => {
        parseEventArgument(eventJson); // a bad argument fails before connecting
        const client = clientFor(await resolveTarget(options));
        try {
          return await signalRun(client, id, eventJson, options);
        } finally {
          client.close();
        }
      });
    });
  runs
    .command('redrive')
    .description(
      'restart every dead-lettered run (an operator command: it works on the tables, like streamer redrive)',
    )
    .option(
      '--workflows <module>',
      'the workflows the engine runs (default: ./workflows.ts if present, else the demos)',
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: { workflows?: string; json?: boolean }) => {
      const { redrive } = await import('../redrive');
      await runCommand(options.json, () =>
        redrive(options.workflows ?? defaultWorkflows(), { json: options.json === true }),
      );
    });
}

/**
 * `streamer runs …` (list, show, watch, cancel, signal, redrive), `streamer
 * graph <action>` and `streamer dashboard build`. Every command but
 * `redrive` and `dashboard build` talks to the engine through the WebSocket
 * protocol, as any client does.
 */
export function registerInspectCommands(
  program: Command,
  defaultWorkflows: () => string | undefined,
) {
  const runs = program
    .command('runs')
    .description('see and steer your runs: list, show, watch, cancel, signal, redrive');
  registerReadCommands(runs);
  registerWriteCommands(runs, defaultWorkflows);
  withTarget(program.command('graph').description("draw a workflow's statechart (Mermaid or SVG)"))
    .argument('<action>', 'the workflow')
    .option('--format <format>', 'mermaid or svg', 'mermaid')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--version <n>', 'a registered version other than the newest', positiveInt)
    .option(
      '--workflows <module>',
      'read the machine from this workflows module instead of asking the engine',
    )
    .action(async (action: string, options: Common & import('./graph').GraphOptions) => {
      const graph = await import('./graph');
      await runCommand(options.json, async () => {
        if (options.workflows) {
          return graph.printGraph(
            await graph.describeFromModule(options.workflows, action, options.version),
            options,
          );
        }
        const client = clientFor(await resolveTarget(options));
        try {
          return graph.printGraph(await client.describe(action, options.version), options);
        } finally {
          client.close();
        }
      });
    });
  registerDashboardCommand(program);
}

function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('the web dashboard (streamer dev serves it at /dashboard/)')
    .command('build')
    .description('write the dashboard as static files to host next to your app')
    .requiredOption('--out <dir>', 'where to write index.html, dashboard.js, dashboard.css')
    .option(
      '--url <url>',
      "the engine's WebSocket URL, written to config.json (default: the page's own host)",
    )
    .option(
      '--token-url <url>',
      'a URL of your app answering a JWT for the signed-in user, written to config.json',
    )
    .option('--json', 'print the files written as JSON')
    .action(async (options: { out: string; url?: string; tokenUrl?: string; json?: boolean }) => {
      const { writeDashboard } = await import('../../local/dashboardAssets');
      await runCommand(options.json, async () => {
        const files = await writeDashboard(options.out, {
          ...(options.url && { url: options.url }),
          ...(options.tokenUrl && { tokenUrl: options.tokenUrl }),
        });
        if (options.json) console.log(JSON.stringify({ out: options.out, files }, null, 2));
        else console.log(`Wrote ${files.join(', ')} to ${options.out}`);
        return 0;
      });
    });
}
