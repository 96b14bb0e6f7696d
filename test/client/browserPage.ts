// The page of the browser test, bundled for the browser by esbuild. The
// workflows are imported as types only: no workflow code is in the bundle.
import { createClient, type RunFrame, StreamerError } from '../../src/client';
import type { DemoWorkflows } from '../../src/workflows';

/** What the test reads back from the page. */
export interface PageReport {
  readonly delivered: RunFrame[];
  readonly connectionEvents: string[];
  runId?: string;
}

// The project type-checks without the DOM library; this is the little of it the page uses.
interface PageElement {
  textContent: string | null;
  append(child: PageElement): void;
}
interface PageGlobals {
  readonly document: {
    readonly body: { readonly dataset: Record<string, string> };
    getElementById(id: string): PageElement | null;
    createElement(tag: string): PageElement;
  };
  readonly location: { readonly search: string };
  streamerReport?: PageReport;
}
const { document, location } = globalThis as unknown as PageGlobals;

const report: PageReport = { delivered: [], connectionEvents: [] };
(globalThis as unknown as PageGlobals).streamerReport = report;

function show(id: string, text: string): void {
  const element = document.getElementById(id);
  if (element) element.textContent = text;
}

async function main(): Promise<void> {
  const url = new URLSearchParams(location.search).get('ws') ?? '';
  const client = createClient<DemoWorkflows>({
    url,
    // A fresh token from the page's server before every connection attempt.
    token: async () => (await fetch('/token')).text(),
    reconnect: { minDelayMs: 50, maxDelayMs: 500 },
    onConnectionEvent: (event) => report.connectionEvents.push(event.type),
  });
  const run = client.start('generate_report', {
    start_date: '2026-01-01',
    end_date: '2026-03-31',
    format: 'pdf',
    report_type: 'quarterly',
  });
  report.runId = run.id;
  for await (const frame of run.events) {
    report.delivered.push(frame);
    if (frame.type === 'progress') {
      const item = document.createElement('li');
      item.textContent = `${frame.percentage}% ${frame.message}`;
      document.getElementById('progress')?.append(item);
    }
  }
  const result = await run.result;
  show('result', JSON.stringify(result));
  document.body.dataset.state = 'complete';
}

main().catch((error: unknown) => {
  show(
    'result',
    error instanceof StreamerError ? `${error.code}: ${error.message}` : String(error),
  );
  document.body.dataset.state = 'failed';
});
