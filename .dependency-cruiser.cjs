// The architecture's import rules (DESIGN §1, STYLE §9), checked by
// `npm run check` (`npm run check:imports` alone).
// test/architecture/importRules.unit.test.ts proves each rule fails on an
// import that breaks it.
//
// "Ours" means this repository's folders. Type-only imports are allowed where
// a rule says so: they vanish from the JavaScript, so they pull in no code.
const OURS = '^(src|infra|bench|test|examples)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-imports-only-events',
      comment:
        'src/engine decides and folds: it imports only src/events (the event types and the EventStore port), never an adapter, the front door or the back end.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: OURS, pathNot: ['^src/engine/', '^src/events/(?!dynamodb/)'] },
    },
    {
      name: 'engine-no-aws-sdk',
      comment: 'src/engine never imports the AWS SDK (DESIGN §1): storage is injected.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: 'node_modules/@aws-sdk/' },
    },
    {
      name: 'events-imports-nothing-of-ours',
      comment: 'src/events is the bottom layer: it imports no other folder of this repository.',
      severity: 'error',
      from: { path: '^src/events/' },
      to: { path: OURS, pathNot: '^src/events/' },
    },
    {
      name: 'projections-not-front-door',
      comment:
        'src/projections are folds and their adapters: they never import the front door (router, auth, Lambda handlers) or the local stack.',
      severity: 'error',
      from: { path: '^src/projections/' },
      to: { path: '^src/(router|auth|lambdas|local)/' },
    },
    {
      name: 'client-no-server-code',
      comment:
        'streamer-engine/client (src/client) runs in browsers: it imports only src/protocol and itself (type-only imports of anything are fine).',
      severity: 'error',
      from: { path: '^src/client/' },
      to: {
        path: OURS,
        pathNot: ['^src/client/', '^src/protocol/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'client-no-aws-sdk',
      comment: 'streamer-engine/client never loads the AWS SDK.',
      severity: 'error',
      from: { path: '^src/(client|protocol)/' },
      to: { path: 'node_modules/@aws-sdk/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'protocol-is-client-safe',
      comment:
        'The client imports src/protocol, so src/protocol imports no server code either: only the identifier rules (src/events/requestKey.ts, which imports nothing) are shared by the wire and the store.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: {
        path: OURS,
        pathNot: ['^src/protocol/', '^src/events/requestKey\\.ts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'inspect-not-front-door',
      comment:
        'src/inspect (machine graphs, run histories, the list cursor) is pure server logic the router serves: it never imports the front door, the Lambda handlers, the connections, the queues or the local stack.',
      severity: 'error',
      from: { path: '^src/inspect/' },
      to: { path: '^src/(router|auth|lambdas|local|connections|queues|cli)/' },
    },
    {
      name: 'dashboard-is-browser-code',
      comment:
        'The dashboard (src/dashboard) runs in browsers: like the client it imports only the client, src/protocol and itself (type-only imports of anything are fine), never server code.',
      severity: 'error',
      from: { path: '^src/dashboard/' },
      to: {
        path: OURS,
        pathNot: ['^src/dashboard/', '^src/client/', '^src/protocol/'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'dashboard-no-aws-sdk',
      comment: 'The dashboard never loads the AWS SDK.',
      severity: 'error',
      from: { path: '^src/dashboard/' },
      to: { path: 'node_modules/@aws-sdk/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-cli-bench-tests-import-local',
      comment:
        'src/local (emulators, the gateway, npm start) is for the CLI, the bench and tests: deployed code and the package entry points other than streamer-engine/local never load it.',
      severity: 'error',
      from: { pathNot: '^(src/local|src/cli|bench|test)/' },
      to: { path: '^src/local/' },
    },
    {
      name: 'only-bench-imports-bench',
      comment: 'bench/ is a tool: nothing but the bench itself and tests imports it.',
      severity: 'error',
      from: { pathNot: '^(bench|test)/' },
      to: { path: '^bench/' },
    },
    {
      name: 'no-circular',
      comment:
        'Modules of this repository form no import cycle that runs code (cycles of type-only imports load nothing).',
      severity: 'error',
      from: { path: OURS },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules', '(^|/)cdk\\.out/', '^dist/', '^examples/.*/node_modules'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
