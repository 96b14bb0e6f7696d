import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/report';
import { scenarios } from '../../bench/scenarios';

const dir = mkdtempSync(join(tmpdir(), 'streamer-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `npm run bench -- --quick --out=<file>`; resolves with its exit code and output. */
function runQuickBench(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'bench', '--', '--quick', `--out=${out}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

// Figures are never asserted (a shared 2-core machine makes them noise):
// only that the quick run works end to end and writes a usable report.
describe('npm run bench -- --quick', () => {
  it('runs every scenario and writes valid JSON, each scenario with a raw baseline', async () => {
    const out = join(dir, 'quick.json');
    const { code, output } = await runQuickBench(out);
    expect(code, output).toBe(0);

    const report = JSON.parse(readFileSync(out, 'utf8')) as BenchReport;
    expect(report.quick).toBe(true);
    expect(report.node).toBe(process.version);
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    expect(report.results.map((result) => result.scenario)).toEqual(
      scenarios.map((scenario) => scenario.name),
    );
    for (const { scenario, figures } of report.results) {
      expect(figures.length, scenario).toBeGreaterThan(0);
      expect(
        figures.some((figure) => figure.baseline !== undefined),
        `${scenario} shows a raw baseline`,
      ).toBe(true);
      for (const figure of figures) {
        expect(typeof figure.value, figure.name).toBe('number');
        if (figure.load) {
          expect(figure.load.count, `${figure.name} measured something`).toBeGreaterThan(0);
          expect(figure.load.offeredRate).toBeGreaterThan(0);
        }
      }
    }
    expect(readFileSync(out.replace(/\.json$/, '.md'), 'utf8')).toContain('| scenario |');
  }, 480_000);
});
