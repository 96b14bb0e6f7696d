import { defineConfig } from 'vitest/config';

// Tiers by file name (STYLE §6): *.unit.test.ts are pure and fast;
// *.int.test.ts use DynamoDB Local and the SQS emulator; *.e2e.test.ts drive
// the local stack over real WebSockets. The last two share one DynamoDB Local
// per run, started by test/support/globalSetup.ts.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/**/*.unit.test.ts'], env },
      },
      {
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
