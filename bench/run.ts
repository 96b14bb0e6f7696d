import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../src/local/dynamoDbLocal';
import type { BenchFigure } from './scenario';
import { scenarios } from './scenarios';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const quick = process.argv.includes('--quick');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);

const ddb = await startDynamoDbLocal();
const results: { scenario: string; figures: BenchFigure[] }[] = [];
try {
  for (const scenario of scenarios) {
    if (only && !scenario.name.includes(only)) continue;
    console.log(`\n▶ ${scenario.name}${quick ? ' (quick)' : ''}`);
    const figures = await scenario.run({
      quick,
      dynamoDbEndpoint: ddb.endpoint,
      log: (message) => console.log(`  ${message}`),
    });
    results.push({ scenario: scenario.name, figures });
    printTable(figures);
  }
} finally {
  await ddb.stop();
}

const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
      },
      quick,
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nWrote ${out}`);

function printTable(figures: BenchFigure[]): void {
  console.table(
    figures.map((figure) => ({
      figure: figure.name,
      value: `${round(figure.value)} ${figure.unit}`,
      baseline: figure.baseline
        ? `${round(figure.baseline.value)} ${figure.unit} (${figure.baseline.name})`
        : '',
      ratio:
        figure.baseline && figure.baseline.value !== 0
          ? round(figure.value / figure.baseline.value)
          : '',
      ...figure.details,
    })),
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
