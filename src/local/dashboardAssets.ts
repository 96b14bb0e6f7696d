import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

/** The dashboard's files by name (`index.html`, `dashboard.js`, `dashboard.css` …). */
export type DashboardFiles = ReadonlyMap<string, Uint8Array>;

/** Where the package ships the built dashboard: `dist/dashboard`, beside the bundle's chunks. */
const SHIPPED = resolve(import.meta.dirname, 'dashboard');
/** Where its sources are, when running from the repository (src/local → src/dashboard). */
const SOURCES = resolve(import.meta.dirname, '..', 'dashboard');

/** Content types of the files a dashboard holds. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Bundles the dashboard from its sources with esbuild (preact and elkjs
 * inside, minified): what `npm run build` ships in `dist/dashboard`, and
 * what `streamer dev` serves when it runs from the repository.
 */
export async function buildDashboardFromSources(): Promise<DashboardFiles> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { dashboard: join(SOURCES, 'main.tsx') },
    tsconfig: join(SOURCES, 'tsconfig.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'eof',
    banner: {
      js: '/*! Streamer dashboard. Bundles preact (MIT, https://github.com/preactjs/preact) and elkjs (EPL-2.0, source: https://github.com/kieler/elkjs). */',
    },
    outdir: '/',
    write: false,
    logLevel: 'silent',
  });
  const files = new Map<string, Uint8Array>();
  for (const output of result.outputFiles)
    files.set(output.path.replace(/^.*[\\/]/, ''), output.contents);
  files.set('index.html', readFileSync(join(SOURCES, 'index.html')));
  files.set('dashboard.css', readFileSync(join(SOURCES, 'styles.css')));
  return files;
}

/** The shipped dashboard if this is the built package, else a fresh build of the sources. */
export async function loadDashboardFiles(): Promise<DashboardFiles> {
  if (existsSync(join(SHIPPED, 'index.html'))) {
    const files = new Map<string, Uint8Array>();
    for (const name of readdirSync(SHIPPED)) {
      if (name !== 'config.json') files.set(name, readFileSync(join(SHIPPED, name)));
    }
    return files;
  }
  if (!existsSync(join(SOURCES, 'main.tsx'))) {
    throw new Error(
      `The dashboard is missing: neither ${SHIPPED} nor its sources at ${SOURCES} exist`,
    );
  }
  return buildDashboardFromSources();
}

/** What a hosted dashboard reads from `config.json` beside its page. */
export interface DashboardConfig {
  /** The engine's WebSocket URL (`wss://…/<stage>`). */
  readonly url?: string;
  /** A URL of your app that answers a JWT for the signed-in user (fetched with cookies). */
  readonly tokenUrl?: string;
}

/**
 * Writes the dashboard as static files into `outDir` (for hosting next to
 * an app), with a `config.json` when a URL or token URL is given.
 */
export async function writeDashboard(
  outDir: string,
  config: DashboardConfig = {},
): Promise<string[]> {
  const files = await loadDashboardFiles();
  mkdirSync(outDir, { recursive: true });
  for (const [name, body] of files) writeFileSync(join(outDir, name), body);
  const written = [...files.keys()];
  if (config.url !== undefined || config.tokenUrl !== undefined) {
    writeFileSync(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    written.push('config.json');
  }
  return written.sort();
}

/** The content type of a dashboard file, by extension. */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name)] ?? 'application/octet-stream';
}
