import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run check` runs dependency-cruiser with .dependency-cruiser.cjs. Given
// a small tree laid out like this repository, with one import that breaks
// each rule, when the checker runs on it, then it fails naming every rule and
// import; a tree of allowed imports passes. The trees live in a git-ignored
// folder inside the repository so packages resolve from its node_modules.

const repo = join(import.meta.dirname, '..', '..');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path → source) into a fresh folder and runs the checker there. */
function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(join(repo, '.tmp-imports-'));
  made.push(root);
  const all = { 'tsconfig.json': '{ "compilerOptions": { "strict": true } }', ...files };
  for (const [path, source] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  const bin = join(repo, 'node_modules', '.bin', 'depcruise');
  const config = join(repo, '.dependency-cruiser.cjs');
  const folders = ['src', 'infra', 'bench', 'test'].filter((folder) =>
    existsSync(join(root, folder)),
  );
  const run = spawnSync(bin, [...folders, '--config', config], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

const leaf = 'export const value = 1;\n';
const importing = (...specifiers: string[]) =>
  `${specifiers.map((s, i) => `import { value as v${i} } from '${s}';`).join('\n')}\nexport const value = [${specifiers.map((_, i) => `v${i}`).join(', ')}];\n`;

describe('the import rules', () => {
  it('fail on an import that breaks each rule, naming the rule and the import', () => {
    // Prepare
    const { status, output } = cruise({
      'src/lambdas/handler.ts': leaf,
      'src/events/dynamodb/adapter.ts': leaf,
      'src/router/router.ts': leaf,
      'src/auth/verify.ts': leaf,
      'src/local/stack.ts': leaf,
      'bench/run.ts': leaf,
      'src/engine/bad.ts': `${importing('../lambdas/handler', '../events/dynamodb/adapter')}import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = DynamoDBClient;\n`,
      'src/events/bad.ts': importing('../router/router'),
      'src/projections/bad.ts': importing('../router/router'),
      'src/client/bad.ts': `${importing('../events/dynamodb/adapter')}import { SQSClient } from '@aws-sdk/client-sqs';\nexport const sqs = SQSClient;\n`,
      'src/protocol/bad.ts': importing('../auth/verify'),
      'infra/bad.ts': importing('../src/local/stack'),
      'src/router/bad.ts': importing('../../bench/run'),
      'src/queues/a.ts': importing('./b'),
      'src/queues/b.ts': importing('./a'),
      'src/inspect/bad.ts': importing('../router/router'),
      'src/dashboard/bad.ts': `${importing('../router/router')}import { SQSClient } from '@aws-sdk/client-sqs';\nexport const sqs = SQSClient;\n`,
    });
    // Assess
    expect(status).not.toBe(0);
    const expected: [rule: string, from: string, to: string][] = [
      ['engine-imports-only-events', 'src/engine/bad.ts', 'src/lambdas/handler.ts'],
      ['engine-imports-only-events', 'src/engine/bad.ts', 'src/events/dynamodb/adapter.ts'],
      ['engine-no-aws-sdk', 'src/engine/bad.ts', '@aws-sdk/client-dynamodb'],
      ['events-imports-nothing-of-ours', 'src/events/bad.ts', 'src/router/router.ts'],
      ['projections-not-front-door', 'src/projections/bad.ts', 'src/router/router.ts'],
      ['client-no-server-code', 'src/client/bad.ts', 'src/events/dynamodb/adapter.ts'],
      ['client-no-aws-sdk', 'src/client/bad.ts', '@aws-sdk/client-sqs'],
      ['protocol-is-client-safe', 'src/protocol/bad.ts', 'src/auth/verify.ts'],
      ['only-cli-bench-tests-import-local', 'infra/bad.ts', 'src/local/stack.ts'],
      ['only-bench-imports-bench', 'src/router/bad.ts', 'bench/run.ts'],
      ['no-circular', 'src/queues/a.ts', 'src/queues/b.ts'],
      ['inspect-not-front-door', 'src/inspect/bad.ts', 'src/router/router.ts'],
      ['dashboard-is-browser-code', 'src/dashboard/bad.ts', 'src/router/router.ts'],
      ['dashboard-no-aws-sdk', 'src/dashboard/bad.ts', '@aws-sdk/client-sqs'],
    ];
    for (const [rule, from, to] of expected) {
      expect(output).toMatch(new RegExp(`error ${rule}: ${from} →\\s+\\S*${to}`));
    }
  });

  it('pass on the imports they allow', () => {
    const { status, output } = cruise({
      'src/events/eventStore.ts': leaf,
      'src/events/requestKey.ts': leaf,
      'src/local/stack.ts': leaf,
      'bench/run.ts': importing('../src/local/stack'),
      // The engine imports the events port and xstate.
      'src/engine/runner.ts': `${importing('../events/eventStore')}import { setup } from 'xstate';\nexport const s = setup;\n`,
      // The client imports the protocol, and server code for its types only.
      'src/protocol/frames.ts': importing('../events/requestKey'),
      'src/client/client.ts': `${importing('../protocol/frames')}import type { value as T } from '../events/eventStore';\nexport type V = typeof T;\n`,
      'src/cli/main.ts': importing('../local/stack'),
      // The dashboard imports the client and the protocol, like a user's page.
      'src/client/index.ts': importing('../protocol/frames'),
      'src/dashboard/app.ts': `${importing('../client/index', '../protocol/frames')}import type { value as T } from '../events/eventStore';\nexport type V = typeof T;\n`,
      'test/bench.unit.test.ts': importing('../bench/run'),
      // A cycle of type-only imports loads nothing.
      'src/queues/a.ts': `import type { value as b } from './b';\nexport type A = typeof b;\nexport const value = 1;\n`,
      'src/queues/b.ts': `import type { value as a } from './a';\nexport type B = typeof a;\nexport const value = 2;\n`,
    });
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });
});
