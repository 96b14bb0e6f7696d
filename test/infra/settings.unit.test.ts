import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { readStackProps, readStageSettings } from '../../infra/appSettings';
import { MissingHandlerError, resolveEntries } from '../../infra/functionEntries';
import { SettingError } from '../../infra/settingError';
import { parseStageName, stageSettings } from '../../infra/stages';
import { StreamerEngine } from '../../infra/streamerEngine';

const PEM = '-----BEGIN PUBLIC KEY-----\nMIIB…\n-----END PUBLIC KEY-----\n';

function fakeProject(files: readonly string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'streamer-infra-'));
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), 'export const handler = async () => ({});\n');
  }
  return root;
}

describe('function entries', () => {
  it('names every missing handler module before anything is bundled', () => {
    // Prepare: a project with only the authorizer and the processor.
    const root = fakeProject(['src/lambdas/authorizer.ts', 'src/lambdas/processor.ts']);
    // Act
    let error: unknown;
    try {
      resolveEntries({ projectRoot: root, workflowsModule: join(root, 'workflows.ts') });
    } catch (caught) {
      error = caught;
    }
    // Assess
    expect(error).toBeInstanceOf(MissingHandlerError);
    // Paths are shown relative to where synth runs; compare them within the fake project.
    const missing = (error as MissingHandlerError).missing.map((path) =>
      path.replace(/^.*streamer-infra-[^/]+\//, ''),
    );
    expect(missing).toEqual([
      'src/lambdas/connect.ts',
      'src/lambdas/disconnect.ts',
      'src/lambdas/projector.ts',
      'src/lambdas/routerHandler.ts',
      'src/lambdas/runnerHandler.ts',
      'workflows.ts',
    ]);
    expect((error as Error).message).toContain('src/lambdas/connect.ts');
  });

  it("builds the workflow functions' handlers from the user's `workflows` export", () => {
    const root = fakeProject([
      'src/lambdas/authorizer.ts',
      'src/lambdas/connect.ts',
      'src/lambdas/disconnect.ts',
      'src/lambdas/processor.ts',
      'src/lambdas/projector.ts',
      'src/lambdas/routerHandler.ts',
      'src/lambdas/runnerHandler.ts',
      'team/workflows.ts',
    ]);
    const { entries } = resolveEntries({
      projectRoot: root,
      workflowsModule: join(root, 'team', 'workflows.ts'),
    });
    expect(entries.connect).toBe(join(root, 'src', 'lambdas', 'connect.ts'));
    // The processor only dispatches and the projector only folds: no workflow code in their bundles.
    expect(entries.processor).toBe(join(root, 'src', 'lambdas', 'processor.ts'));
    expect(entries.projector).toBe(join(root, 'src', 'lambdas', 'projector.ts'));
    const runner = readFileSync(entries.runner, 'utf8');
    expect(runner).toContain(`import { workflows } from "${join(root, 'team', 'workflows.ts')}"`);
    expect(runner).toContain(
      `import { createRunnerHandler, runnerHandlerDeps } from "${join(root, 'src', 'lambdas', 'runnerHandler.ts')}"`,
    );
    expect(runner).toContain(
      'export const handler = createRunnerHandler(runnerHandlerDeps(createWorkflowRegistry(workflows)));',
    );
    expect(readFileSync(entries.router, 'utf8')).toContain(
      'createRouterHandler(routerHandlerDeps(createWorkflowRegistry(workflows)))',
    );
  });
});

describe('JWT settings', () => {
  const engineWith = (jwt: ConstructorParameters<typeof StreamerEngine>[2]['jwt']) => () =>
    new StreamerEngine(new Stack(new App(), 'S'), 'Engine', { stage: stageSettings('dev'), jwt });

  it('refuses both a PEM key and a JWKS URL, as the authorizer would at every cold start', () => {
    expect(engineWith({ publicKeyPem: PEM, jwksUrl: 'https://a.example/jwks' })).toThrow(
      SettingError,
    );
  });

  it('refuses a key that is not a PEM public key, and a JWKS URL that is not a URL', () => {
    expect(engineWith({ publicKeyPem: 'ssh-rsa AAAA' })).toThrow(/not a PEM public key/);
    expect(engineWith({ jwksUrl: 'auth.example/jwks' })).toThrow(/not a URL/);
  });
});

describe('stages', () => {
  it('keeps staging and prod data when the stack is deleted, and drops dev', () => {
    expect(stageSettings('dev').removalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(stageSettings('staging').removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(stageSettings('prod')).toMatchObject({
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      prefix: 'streamer-prod',
    });
  });

  it('accepts dev, staging and prod only, naming them on a typo', () => {
    expect(parseStageName(undefined)).toBe('dev');
    expect(parseStageName('staging')).toBe('staging');
    expect(() => parseStageName('production')).toThrow(/-c stage=prod/);
  });
});

describe('app settings', () => {
  const reader =
    (values: Record<string, string>) =>
    (contextKey: string): string | undefined =>
      values[contextKey];

  it('keep the stage’s traffic shifting unless told otherwise, and `none` turns CodeDeploy off', () => {
    expect(readStageSettings(reader({ stage: 'prod' })).trafficShifting).toBe(
      'Canary10Percent5Minutes',
    );
    expect(readStageSettings(reader({ stage: 'dev' })).trafficShifting).toBeUndefined();
    expect(
      readStageSettings(reader({ stage: 'dev', trafficShifting: 'Linear10PercentEvery1Minute' }))
        .trafficShifting,
    ).toBe('Linear10PercentEvery1Minute');
    expect(
      readStageSettings(reader({ stage: 'prod', trafficShifting: 'none' })).trafficShifting,
    ).toBeUndefined();
  });

  it('name the accepted values of a setting that cannot work', () => {
    expect(() => readStageSettings(reader({ trafficShifting: 'canary' }))).toThrow(
      /Unknown trafficShifting "canary": pass none or one of AllAtOnce, Canary10Percent5Minutes/,
    );
    expect(() => readStackProps(reader({ auditLog: 'yes' }))).toThrow(
      'auditLog must be writes or all, got "yes"',
    );
  });

  it('pass the VPC, key, audit-log and access-log options to the stack', () => {
    expect(
      readStackProps(
        reader({ vpcId: 'vpc-0abc', encryptionKey: 'create', auditLog: 'all', accessLogs: 'true' }),
      ),
    ).toMatchObject({
      vpcId: 'vpc-0abc',
      encryptionKey: 'create',
      auditLog: 'all',
      accessLogs: true,
    });
  });
});
