import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { IConstruct } from 'constructs';

/** The size of one function's bundle as staged in the cloud assembly. */
export interface BundleSize {
  readonly name: string;
  /** Bytes of JavaScript (what is loaded at cold start). */
  readonly codeBytes: number;
  /** Bytes of everything in the asset (code plus source maps). */
  readonly totalBytes: number;
}

/**
 * Measures each function's staged bundle after `app.synth()`.
 *
 * @example
 * const assembly = app.synth();
 * console.log(formatBundleSizes(bundleSizes(engine.functions, assembly.directory)));
 */
export function bundleSizes(
  functions: Readonly<Record<string, IConstruct>>,
  assemblyDir: string,
): BundleSize[] {
  return Object.entries(functions).map(([name, fn]) => {
    const asset = fn.node.findAll().find((c): c is Asset => c instanceof Asset);
    if (!asset) throw new Error(`Function ${name} has no asset to measure`);
    const dir = isAbsolute(asset.assetPath) ? asset.assetPath : join(assemblyDir, asset.assetPath);
    let codeBytes = 0;
    let totalBytes = 0;
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      const stat = statSync(join(dir, file));
      if (!stat.isFile()) continue;
      totalBytes += stat.size;
      if (/\.(m?js|cjs)$/.test(file)) codeBytes += stat.size;
    }
    return { name, codeBytes, totalBytes };
  });
}

/** A small table: one line per function, sizes in KiB. */
export function formatBundleSizes(sizes: readonly BundleSize[]): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const width = Math.max(...sizes.map((s) => s.name.length));
  return [
    'Lambda bundle sizes (code / with source maps):',
    ...sizes.map(
      (s) =>
        `  ${s.name.padEnd(width)}  ${kib(s.codeBytes).padStart(11)}  ${kib(s.totalBytes).padStart(11)}`,
    ),
  ].join('\n');
}
