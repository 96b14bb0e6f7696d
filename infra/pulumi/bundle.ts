import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { BUNDLE } from '../engineSettings';
import { FUNCTION_KINDS, type FunctionKind, resolveEntries } from '../functionEntries';

/** Where {@link bundleFunctions} reads and writes. */
export interface BundleOptions {
  /** The repository root holding `src/lambdas` and `node_modules`. */
  readonly projectRoot: string;
  /** Absolute path of the module exporting `workflows`. */
  readonly workflowsModule: string;
}

/**
 * Bundles every function with esbuild, with the very settings the CDK
 * construct gives `NodejsFunction` (`BUNDLE`), from the same entries
 * (`resolveEntries`: the user's workflows go into the router, processor,
 * projector and runner). Returns each function's directory holding
 * `index.mjs` and its source map, under `node_modules/.cache/streamer-pulumi/`.
 */
export function bundleFunctions(options: BundleOptions): Record<FunctionKind, string> {
  const { entries } = resolveEntries(options);
  const root = join(
    options.projectRoot,
    'node_modules',
    '.cache',
    'streamer-pulumi',
    createHash('sha256').update(options.workflowsModule).digest('hex').slice(0, 12),
  );
  const dirs = {} as Record<FunctionKind, string>;
  for (const kind of FUNCTION_KINDS) {
    const outdir = join(root, kind);
    buildSync({
      entryPoints: [entries[kind]],
      outfile: join(outdir, BUNDLE.outFile),
      bundle: true,
      platform: BUNDLE.platform,
      format: BUNDLE.format,
      target: BUNDLE.target,
      minify: BUNDLE.minify,
      sourcemap: BUNDLE.sourcemap,
      sourcesContent: BUNDLE.sourcesContent,
      mainFields: [...BUNDLE.mainFields],
      banner: { js: BUNDLE.banner },
      absWorkingDir: options.projectRoot,
      logLevel: 'warning',
    });
    dirs[kind] = outdir;
  }
  return dirs;
}
