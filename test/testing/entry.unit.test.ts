import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('streamer-engine/testing entry', () => {
  it('pulls in neither the AWS SDK, nor a test runner, nor the local stack', async () => {
    const result = await build({
      entryPoints: ['src/testing/index.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const imports = Object.values(result.metafile.outputs).flatMap((o) =>
      o.imports.map((i) => i.path),
    );
    const inputs = Object.keys(result.metafile.inputs);
    expect(imports.filter((path) => /^@aws-sdk\/|^vitest|^jest/.test(path))).toEqual([]);
    expect(
      inputs.filter((path) => path.startsWith('src/local/') || path.includes('/dynamodb/')),
    ).toEqual([]);
  });
});
