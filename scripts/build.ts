import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { buildDashboardFromSources } from '../src/local/dashboardAssets';

// `npm run build`: the package's dist/ (docs/decisions/package-build.md).
// 1. esbuild bundles every entry point as an ES module, with code splitting
//    so entries share one copy of each module, and every npm package left as
//    an import (resolved from the app's node_modules). Source maps beside.
// 2. tsc writes the declarations (dist/types), and their relative imports get
//    explicit `.js` paths, which `moduleResolution: node16/nodenext` requires.
// 3. The dashboard (src/dashboard, preact and elkjs inside) is bundled for
//    browsers into dist/dashboard, which `streamer dev` serves and
//    `streamer dashboard build` copies.

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');

/** The public entry points (package.json `exports`) and the CLI. */
const ENTRIES = {
  index: 'src/index.ts',
  runtime: 'src/runtime.ts',
  cdk: 'infra/index.ts',
  local: 'src/local/index.ts',
  client: 'src/client/index.ts',
  testing: 'src/testing/index.ts',
  pulumi: 'infra/pulumi/index.ts',
  cli: 'src/cli/main.ts',
} as const;

/**
 * Modules `streamer-engine/cdk` bundles into the Lambda functions by path
 * (infra/functionEntries.ts, `shippedHandlers`): not exports, but files of
 * the package.
 */
const LAMBDA_MODULES = [
  'authorizer',
  'connect',
  'disconnect',
  'routerHandler',
  'processor',
  'projector',
  'runnerHandler',
] as const;

async function bundle(): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: {
      ...ENTRIES,
      ...Object.fromEntries(
        LAMBDA_MODULES.map((name) => [`lambdas/${name}`, `src/lambdas/${name}.ts`]),
      ),
      'engine/registry': 'src/engine/registry.ts',
    },
    outdir: dist,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    // Shared chunks sit in dist/ itself, so import.meta.dirname is dist/ wherever code lands.
    chunkNames: '[name]-[hash]',
    logLevel: 'warning',
  });
}

/**
 * Files the code reads beside itself at run time: the DynamoDB Local launcher
 * source (compiled with javac on first use, src/local/dynamoDbLauncher.ts).
 * Every chunk sits in dist/ itself, so they go there.
 */
function copyResources(): void {
  copyFileSync(
    join(root, 'src/local/LoopbackDynamoDbLocal.java'),
    join(dist, 'LoopbackDynamoDbLocal.java'),
  );
}

function declarations(): void {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  for (const file of walk(join(dist, 'types'))) {
    if (file.endsWith('.d.ts')) writeFileSync(file, withExplicitPaths(file));
  }
}

/**
 * `from './engine'` → `from './engine/index.js'`, `from './step'` → `from './step.js'`.
 * Lines of doc comments (a TSDoc `@example` importing the user's own `./workflows`) stay as written.
 */
function withExplicitPaths(file: string): string {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => (/^\s*(\*|\/\/|\/\*)/.test(line) ? line : explicitPathsIn(file, line)))
    .join('\n');
}

function explicitPathsIn(file: string, source: string): string {
  return source.replace(
    /(from\s+|import\s*\(\s*)(['"])(\.\.?\/[^'"]*)\2/g,
    (match, lead: string, quote: string, specifier: string) => {
      const target = resolve(dirname(file), specifier);
      const explicit = existsSync(`${target}.d.ts`)
        ? `${specifier}.js`
        : existsSync(join(target, 'index.d.ts'))
          ? `${specifier}/index.js`
          : undefined;
      if (!explicit) {
        if (specifier.endsWith('.js')) return match;
        throw new Error(`${relative(root, file)}: cannot resolve ${specifier}`);
      }
      return `${lead}${quote}${explicit}${quote}`;
    },
  );
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** The browser dashboard, as static files in dist/dashboard. */
async function dashboard(): Promise<void> {
  const out = join(dist, 'dashboard');
  mkdirSync(out, { recursive: true });
  for (const [name, body] of await buildDashboardFromSources())
    writeFileSync(join(out, name), body);
}

rmSync(dist, { recursive: true, force: true });
await bundle();
declarations();
copyResources();
await dashboard();
console.log(`Built ${relative(process.cwd(), dist) || dist}/`);
