import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** The client as a browser app's bundler would package it. */
async function browserBundle() {
  const result = await build({
    entryPoints: ['src/client/index.ts'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { inputs: Object.keys(result.metafile.inputs), code };
}

describe('the browser bundle of streamer-engine/client', () => {
  it('carries the client and partysocket only: no server code, no AWS SDK, no zod, no workflow', async () => {
    const { inputs } = await browserBundle();
    const outside = inputs.filter(
      (input) =>
        !input.startsWith('src/client/') &&
        !input.endsWith('node_modules/partysocket/dist/ws.js') &&
        // `ws` resolves to its browser stub; the Node code is never bundled.
        !input.endsWith('node_modules/ws/browser.js'),
    );
    expect(outside).toEqual([]);
  });

  it('stays small (the README quotes the figure)', async () => {
    const { code } = await browserBundle();
    expect(gzipSync(code, { level: 9 }).length).toBeLessThan(10 * 1024);
  });
});
