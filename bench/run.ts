import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../src/local/dynamoDbLocal';
import { createStretchProfiler } from './profiler';
import { type BenchReport, renderMarkdown } from './report';
import { createBenchResources } from './resources';
import type { BenchFigure } from './scenario';
import { scenarios } from './scenarios';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const quick = process.argv.includes('--quick');
const option = (name: string) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
/** Scenario name prefixes, comma-separated (`--only=sync,async`). */
const only = option('only');
/** Where to write the JSON (default `bench/results/latest.json`; the Markdown goes beside it). */
const outOption = option('out');
/** `--profile`: CPU profiles of the system under test per measured stretch, and of the load generator. */
const profileDir = process.argv.includes('--profile')
  ? join(dirname(fileURLToPath(import.meta.url)), 'results', 'profiles')
  : undefined;
const profiler = createStretchProfiler(profileDir);
// `--load-tracer`: load the Powertools Tracer as src/lambdas/tracing.ts did before it became
// lazy (its X-Ray SDK installs a process-wide async hook), to measure what that cost.
if (process.argv.includes('--load-tracer')) {
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  new Tracer({ serviceName: 'streamer' });
}
const began = performance.now();
const loadAtStart = loadavg();

const ddb = await startDynamoDbLocal();
// A quick run's functions time out sooner, so each run's lease wake-up (a budget
// after the run started), which the cost and progress scenarios wait for, comes
// sooner; no bench step takes longer than 8 s.
const resources = createBenchResources(profileDir, quick ? { functionTimeoutMs: 20_000 } : {});
const results: { scenario: string; figures: BenchFigure[] }[] = [];
let problemsSeen = 0;
/** Says which scenario the local stack's problems (a failed poll, trimmed stream records …) came up in. */
function reportNewProblems(scenario: string): void {
  const problems = resources.stackErrors();
  if (problems.length === problemsSeen) return;
  console.log(
    `  the local stack reported ${problems.length - problemsSeen} problem(s) during ${scenario}; first: ${problems[problemsSeen]}`,
  );
  problemsSeen = problems.length;
}
try {
  for (const scenario of scenarios) {
    if (only && !only.split(',').some((name) => scenario.name.startsWith(name))) continue;
    console.log(`\n▶ ${scenario.name}${quick ? ' (quick)' : ''}`);
    const figures = await scenario.run({
      quick,
      dynamoDbEndpoint: ddb.endpoint,
      resources,
      log: (message) => console.log(`  ${message}`),
      profile: (label, work) => profiler.profile(label, work),
    });
    results.push({ scenario: scenario.name, figures });
    reportNewProblems(scenario.name);
  }
} finally {
  const problems = resources.stackErrors();
  if (problems.length > 0)
    console.log(`\nThe local stack reported ${problems.length} problem(s); first: ${problems[0]}`);
  profiler.close();
  await resources.close();
  await ddb.stop();
}

const report: BenchReport = {
  date: new Date().toISOString(),
  node: process.version,
  machine: {
    cpus: cpus().length,
    ...(cpus()[0]?.model && { cpuModel: cpus()[0]?.model }),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${process.arch}`,
    // The machine is shared: what else ran shows in its load (1, 5, 15 minutes).
    loadAverage: {
      start: loadAtStart.map((n) => Math.round(n * 10) / 10),
      end: loadavg().map((n) => Math.round(n * 10) / 10),
    },
  },
  quick,
  durationSeconds: Math.round((performance.now() - began) / 1000),
  results,
};
const markdown = renderMarkdown(report);
console.log(`\n${markdown}`);
const out = outOption
  ? resolve(outOption)
  : join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
const markdownOut = out.replace(/(\.json)?$/, '.md');
writeFileSync(markdownOut, `${markdown}\n`);
console.log(`Wrote ${out} and ${markdownOut}`);
