/**
 * Records the golden histories: `npx tsx test/histories/record.ts`.
 *
 * Run it after bumping a workflow's `version` (never to silence a failing
 * golden test without one): it writes `<action>.v<version>.json` (or the
 * scenario's own name) for each demo workflow at its current version and leaves older files in place, so
 * the old versions keep proving they are refused.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goldenScenarios, recordGolden } from '../engine/support/golden';

const here = dirname(fileURLToPath(import.meta.url));
const force = process.argv.includes('--force');
for (const scenario of goldenScenarios) {
  const golden = await recordGolden(scenario);
  const file = join(here, `${scenario.name ?? golden.action}.v${golden.version}.json`);
  if (existsSync(file) && !force) {
    console.log(`kept    ${file} (exists; --force to overwrite)`);
    continue;
  }
  writeFileSync(file, `${JSON.stringify(golden, null, 2)}\n`);
  console.log(`wrote   ${file} (${golden.events.length} events)`);
}
