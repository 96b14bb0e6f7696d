import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** Every Lambda function Streamer deploys, by role. */
export const FUNCTION_KINDS = [
  'authorizer',
  'connect',
  'disconnect',
  'router',
  'processor',
  'projector',
  'runner',
] as const;

/** One of {@link FUNCTION_KINDS}. */
export type FunctionKind = (typeof FUNCTION_KINDS)[number];

/**
 * The functions that need the workflow registry, so the user's workflow
 * module is bundled in: the router (inline runs, accepting requests) and the
 * runner (every durable run). The processor only dispatches and the
 * projector only folds views, so their bundles carry no workflow code.
 */
export const WORKFLOW_FUNCTION_KINDS = [
  'router',
  'runner',
] as const satisfies readonly FunctionKind[];

/** One of {@link WORKFLOW_FUNCTION_KINDS}. */
export type WorkflowFunctionKind = (typeof WORKFLOW_FUNCTION_KINDS)[number];

/**
 * Where each workflow function's handler factory lives: a module under
 * `src/lambdas/` exporting `factory(deps)` and `deps(registry)`, the
 * dependencies built from the environment around the user's registry. The
 * other functions are bundled from `src/lambdas/<kind>.ts`, which exports
 * `handler`.
 */
export const HANDLER_FACTORIES: Readonly<
  Record<
    WorkflowFunctionKind,
    { readonly module: string; readonly factory: string; readonly deps: string }
  >
> = {
  router: { module: 'routerHandler.ts', factory: 'createRouterHandler', deps: 'routerHandlerDeps' },
  runner: { module: 'runnerHandler.ts', factory: 'createRunnerHandler', deps: 'runnerHandlerDeps' },
};

/** Thrown at synth time when a handler module the stack bundles does not exist. */
export class MissingHandlerError extends Error {
  override readonly name = 'MissingHandlerError';
  readonly missing: readonly string[];

  constructor(missing: readonly string[]) {
    super(
      `Cannot bundle the Lambda functions: ${missing.length === 1 ? 'this entry is' : 'these entries are'} missing:\n${missing.map((path) => `  - ${path}`).join('\n')}\n\`src/lambdas/<name>.ts\` must export \`handler\`; each *Handler.ts module the factory named in HANDLER_FACTORIES (see docs/deploy.md).`,
    );
    this.missing = missing;
  }
}

/**
 * Where the handler modules are: the repository's TypeScript sources
 * (`src/lambdas/*.ts`, when the construct runs from this repository), or
 * the built files of an installed `streamer-engine` (`dist/lambdas/*.js`).
 */
export interface HandlerSources {
  /** Directory of the handler modules (`<kind>` entries and the `*Handler` factories). */
  readonly lambdasDir: string;
  /** Module exporting `createWorkflowRegistry`. */
  readonly registryModule: string;
  /** Extension of the modules in {@link lambdasDir}. */
  readonly extension: '.ts' | '.js';
}

/** The handler modules of a checkout of this repository rooted at `projectRoot`. */
export function sourceHandlers(projectRoot: string): HandlerSources {
  return {
    lambdasDir: join(projectRoot, 'src', 'lambdas'),
    registryModule: join(projectRoot, 'src', 'engine', 'registry.ts'),
    extension: '.ts',
  };
}

/**
 * The handler modules that ship beside this module: the repository's
 * sources when it runs as TypeScript, else the package's `dist/` (the
 * published `streamer-engine/cdk` is built into `dist/`, next to `dist/lambdas/`).
 */
export function shippedHandlers(): HandlerSources {
  if (import.meta.url.endsWith('.ts')) return sourceHandlers(join(import.meta.dirname, '..'));
  const dist = import.meta.dirname;
  return {
    lambdasDir: join(dist, 'lambdas'),
    registryModule: join(dist, 'engine', 'registry.js'),
    extension: '.js',
  };
}

/** Where the function entry points come from. */
export interface EntryOptions {
  /** The project root: generated entries go under its `node_modules/.cache`. */
  readonly projectRoot: string;
  /** Absolute path of the module that exports the user's workflows. */
  readonly workflowsModule: string;
  /** Where the handler modules are. Default: `src/lambdas` under `projectRoot`. */
  readonly handlers?: HandlerSources;
}

/** What each function is bundled from. */
export interface ResolvedEntries {
  readonly entries: Readonly<Record<FunctionKind, string>>;
}

const handlerPath = (handlers: HandlerSources, kind: FunctionKind) =>
  join(handlers.lambdasDir, `${kind}${handlers.extension}`);

const factoryPath = (handlers: HandlerSources, kind: WorkflowFunctionKind) =>
  join(handlers.lambdasDir, HANDLER_FACTORIES[kind].module.replace(/\.ts$/, handlers.extension));

/**
 * The source of a generated entry: it imports the handler factory, the
 * engine's registry builder and the user's module, and exports the handler
 * built from the user's `workflows`. esbuild bundles it like any other entry,
 * so only the user's workflows (never the demo ones, unless the user points
 * at them) end up in the bundle.
 */
export function generatedEntrySource(
  kind: WorkflowFunctionKind,
  projectRoot: string,
  workflowsModule: string,
  handlers: HandlerSources = sourceHandlers(projectRoot),
): string {
  const { factory, deps } = HANDLER_FACTORIES[kind];
  return [
    '// Generated by infra/functionEntries.ts at synth time; do not edit.',
    `import { createWorkflowRegistry } from ${JSON.stringify(handlers.registryModule)};`,
    `import { ${factory}, ${deps} } from ${JSON.stringify(factoryPath(handlers, kind))};`,
    `import { workflows } from ${JSON.stringify(workflowsModule)};`,
    '',
    `export const handler = ${factory}(${deps}(createWorkflowRegistry(workflows)));`,
    '',
  ].join('\n');
}

/**
 * Resolves the entry of every function. Functions without workflows are
 * bundled straight from `<lambdasDir>/<kind>`; the router, processor,
 * projector and runner from a small generated file under `node_modules/.cache/streamer-cdk`
 * (ignored by git, stable across synths so asset hashes only change when the
 * code does). Throws {@link MissingHandlerError} naming every missing module.
 */
export function resolveEntries(options: EntryOptions): ResolvedEntries {
  const projectRoot = resolve(options.projectRoot);
  const workflowsModule = resolve(options.workflowsModule);
  const handlers = options.handlers ?? sourceHandlers(projectRoot);
  const sources = [
    ...FUNCTION_KINDS.filter((kind) => !isWorkflowKind(kind)).map((kind) =>
      handlerPath(handlers, kind),
    ),
    ...WORKFLOW_FUNCTION_KINDS.map((kind) => factoryPath(handlers, kind)),
  ];
  const missing = sources.filter((path) => !existsSync(path));
  if (!existsSync(workflowsModule)) missing.push(workflowsModule);
  if (missing.length > 0) {
    throw new MissingHandlerError(missing.map((path) => relative(process.cwd(), path) || path));
  }

  const generatedDir = join(
    projectRoot,
    'node_modules',
    '.cache',
    'streamer-cdk',
    createHash('sha256').update(workflowsModule).digest('hex').slice(0, 12),
  );
  const entries = Object.fromEntries(
    FUNCTION_KINDS.map((kind) => [kind, handlerPath(handlers, kind)]),
  ) as Record<FunctionKind, string>;
  for (const kind of WORKFLOW_FUNCTION_KINDS) {
    const entry = join(generatedDir, `${kind}.ts`);
    writeIfChanged(entry, generatedEntrySource(kind, projectRoot, workflowsModule, handlers));
    entries[kind] = entry;
  }
  return { entries };
}

function isWorkflowKind(kind: FunctionKind): kind is WorkflowFunctionKind {
  return (WORKFLOW_FUNCTION_KINDS as readonly FunctionKind[]).includes(kind);
}

function writeIfChanged(path: string, content: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
