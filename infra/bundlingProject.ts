import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { SettingError } from './settingError';

/** Lock files the CDK's `NodejsFunction` understands, in the order it prefers them. */
const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lockb'] as const;

/** The project the functions are bundled in: its root and its lock file. */
export interface BundlingProject {
  readonly root: string;
  readonly lockFile: string;
}

/**
 * The project around `workflowsModule` (or `root`, when given): the nearest
 * folder at or above it holding a lock file. esbuild resolves the user's
 * imports and the engine's own from that project's `node_modules`.
 */
export function bundlingProject(workflowsModule: string, root?: string): BundlingProject {
  if (root !== undefined) {
    const lockFile = lockFileIn(resolve(root));
    if (!lockFile) {
      throw new SettingError(
        `projectRoot ${root} holds no lock file (${LOCK_FILES.join(', ')}): run npm install there, or point projectRoot at the folder that has one.`,
      );
    }
    return { root: resolve(root), lockFile };
  }
  for (let dir = dirname(resolve(workflowsModule)); ; dir = dirname(dir)) {
    const lockFile = lockFileIn(dir);
    if (lockFile) return { root: dir, lockFile };
    if (dirname(dir) === dir) break;
  }
  throw new SettingError(
    `No lock file (${LOCK_FILES.join(', ')}) in any folder above ${workflowsModule}: run npm install in your project, or pass projectRoot.`,
  );
}

function lockFileIn(dir: string): string | undefined {
  return LOCK_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
}

/**
 * Fails the synth, with the command that fixes it, when esbuild cannot be
 * found: the CDK would fall back to Docker bundling, which this construct
 * turns off.
 */
export function assertEsbuildInstalled(projectRoot: string): void {
  for (const from of [join(projectRoot, 'package.json'), import.meta.url]) {
    try {
      createRequire(from).resolve('esbuild');
      return;
    } catch {
      // Try the next place.
    }
  }
  throw new SettingError(
    'StreamerEngine bundles its Lambda functions with esbuild, without Docker, and esbuild is not installed: run npm install --save-dev esbuild',
  );
}
