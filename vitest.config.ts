import { defineConfig } from 'vitest/config';

// Tiers by file name (STYLE §6): *.unit.test.ts are pure and fast;
// *.int.test.ts use DynamoDB Local and the SQS emulator; *.e2e.test.ts drive
// the local stack over real WebSockets. The last two share one DynamoDB Local
// per run, started by test/support/globalSetup.ts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

// The package's own name resolves to its sources (tsconfig.json `paths`), so
// tests import examples/ as a user's app would, without installing it.
const root = import.meta.dirname;
const alias = {
  'streamer-engine/runtime': `${root}/src/runtime.ts`,
  'streamer-engine/cdk': `${root}/infra/index.ts`,
  'streamer-engine/local': `${root}/src/local/index.ts`,
  'streamer-engine/client': `${root}/src/client/index.ts`,
  'streamer-engine/testing': `${root}/src/testing/index.ts`,
  'streamer-engine/pulumi': `${root}/infra/pulumi/index.ts`,
  'streamer-engine': `${root}/src/index.ts`,
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.unit.test.ts'], env },
      },
      {
        extends: true,
        test: {
          name: 'int',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/support/globalSetup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          env,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.test.ts'],
          globalSetup: ['test/support/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          env,
        },
      },
    ],
  },
});
