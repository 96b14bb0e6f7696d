/** A package `streamer dev` needs that an app which only defines and deploys workflows does not. */
export interface DevPackage {
  readonly name: string;
  /** The range `streamer-engine` declares it as an optional peer dependency with. */
  readonly range: string;
  /** What it is for. */
  readonly purpose: string;
}

/**
 * The local emulators and the TypeScript loader: optional peer dependencies
 * of `streamer-engine`, so installing the package does not pull them (the
 * DynamoDB Local jar alone is ~180 MB). `streamer dev` names the missing ones.
 */
export const DEV_PACKAGES: readonly DevPackage[] = [
  {
    name: 'amplify-dynamodb-simulator',
    range: '^2.9.30',
    purpose: 'ships the DynamoDB Local jar (runs on Java 17+)',
  },
  { name: 'fauxqs', range: '~1.9.2', purpose: 'the in-process SQS emulator' },
  { name: 'ws', range: '^8.23.0', purpose: 'the local API Gateway WebSocket' },
  { name: 'tsx', range: '^4.23.15', purpose: 'loads a TypeScript workflows module, no build step' },
];

/**
 * The dev packages `resolve` cannot find (by default: from this module,
 * i.e. the app's `node_modules` when the package is installed).
 */
export function missingDevPackages(
  resolve: (name: string) => unknown = (name) => import.meta.resolve(name),
): DevPackage[] {
  return DEV_PACKAGES.filter((pkg) => {
    try {
      resolve(pkg.name);
      return false;
    } catch {
      return true;
    }
  });
}

/** What to tell a user whose app lacks `missing`: what each is for, and one command. */
export function missingDevPackagesMessage(missing: readonly DevPackage[]): string {
  return [
    'streamer dev runs the local stack on emulators that are not installed:',
    ...missing.map((pkg) => `  ${pkg.name.padEnd(28)} ${pkg.purpose}`),
    '',
    'Install them as dev dependencies of your app:',
    '',
    `  npm install --save-dev ${missing.map((pkg) => `${pkg.name}@'${pkg.range}'`).join(' ')}`,
  ].join('\n');
}
