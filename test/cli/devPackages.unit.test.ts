import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEV_PACKAGES,
  missingDevPackages,
  missingDevPackagesMessage,
} from '../../src/cli/devPackages';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  dependencies: Record<string, string>;
};

describe('the packages streamer dev needs', () => {
  it('are optional peer dependencies of the package, with the ranges streamer dev asks for', () => {
    for (const { name, range } of DEV_PACKAGES) {
      expect(pkg.peerDependencies[name]).toBe(range);
      expect(pkg.peerDependenciesMeta[name]?.optional).toBe(true);
      expect(pkg.dependencies[name]).toBeUndefined();
    }
  });

  it('are named, with what each is for and one install command, when missing', () => {
    const missing = missingDevPackages((name) => {
      if (name === 'fauxqs' || name === 'tsx') throw new Error(`Cannot find package '${name}'`);
    });
    expect(missing.map((p) => p.name)).toEqual(['fauxqs', 'tsx']);
    const message = missingDevPackagesMessage(missing);
    expect(message).toContain('fauxqs                       the in-process SQS emulator');
    expect(message).toContain("npm install --save-dev fauxqs@'~1.9.2' tsx@'^4.23.15'");
  });

  it('are all found in this repository', () => {
    expect(missingDevPackages()).toEqual([]);
  });
});
