import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_KINDS } from '../../infra/functionEntries';
import { stageSettings } from '../../infra/stages';
import { StreamerStack } from '../../infra/streamerStack';
import { type SynthesizedTemplate, synthTemplate } from '../../infra/synthTemplate';
import { SYNTH_TIMEOUT_MS } from './synthEngine';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'customWorkflows', 'index.ts');
const JWT = {
  jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
  issuer: 'https://auth.example.com/',
};
type Resource = { Type: string; Properties?: Record<string, unknown>; Metadata?: unknown };

let outDir: string;
let written: SynthesizedTemplate;
let fromDisk: { Resources: Record<string, Resource>; [section: string]: unknown };
let cdkApp: Record<string, Resource>;
let cdkAssembly: string;

beforeAll(() => {
  // Prepare / Act: the user's command, and the CDK app as `cdk deploy` would synthesize it.
  cdkAssembly = mkdtempSync(join(tmpdir(), 'streamer-cdk-'));
  const app = new App({ outdir: cdkAssembly, analyticsReporting: false });
  const settings = stageSettings('prod');
  const stack = new StreamerStack(app, settings.prefix, {
    settings,
    jwt: JWT,
    workflowsModule: fixture,
    description: 'Streamer workflow engine (prod)',
  });
  cdkApp = Template.fromStack(stack).toJSON().Resources;
  outDir = mkdtempSync(join(tmpdir(), 'streamer-sam-'));
  // The same assembly directory, so CDK reuses the bundles it just built.
  written = synthTemplate({
    outDir,
    stage: 'prod',
    workflows: fixture,
    jwt: JWT,
    assemblyDir: cdkAssembly,
  });
  fromDisk = JSON.parse(readFileSync(join(outDir, 'template.json'), 'utf8'));
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(cdkAssembly, { recursive: true, force: true });
});

const withoutCode = (resource: Resource) => {
  const { Code: _, ...properties } = resource.Properties ?? {};
  return { Type: resource.Type, Properties: properties };
};

describe('synthTemplate (streamer synth --out)', () => {
  it("writes the CDK app's resources: same logical ids, types and properties but the code location", () => {
    expect(Object.keys(fromDisk.Resources).sort()).toEqual(Object.keys(cdkApp).sort());
    for (const [id, resource] of Object.entries(cdkApp)) {
      expect(withoutCode(fromDisk.Resources[id] as Resource), id).toEqual(withoutCode(resource));
      const {
        Properties: _p,
        Metadata: _m,
        ...options
      } = resource as Resource & Record<string, unknown>;
      const {
        Properties: _q,
        Metadata: _n,
        ...written
      } = fromDisk.Resources[id] as Resource & Record<string, unknown>;
      // DependsOn, UpdatePolicy (CodeDeploy), DeletionPolicy…
      expect(written, id).toEqual(options);
    }
  });

  it('gives every function a relative local code directory holding its bundle', () => {
    const functions = Object.entries(fromDisk.Resources).filter(
      ([, r]) => r.Type === 'AWS::Lambda::Function',
    );
    expect(functions).toHaveLength(FUNCTION_KINDS.length);
    expect(written.assets).toHaveLength(FUNCTION_KINDS.length);
    for (const [id, fn] of functions) {
      const code = fn.Properties?.Code;
      expect(typeof code, id).toBe('string');
      const path = code as string;
      expect(isAbsolute(path)).toBe(false);
      expect(normalize(path).startsWith('..')).toBe(false);
      expect(existsSync(join(outDir, path, 'index.mjs')), path).toBe(true);
    }
  });

  it("bundles the user's workflows, as the CDK app does", () => {
    const router = written.assets.find((a) => a.logicalId.includes('RouterFunction'));
    const bundle = readFileSync(join(outDir, router?.path ?? 'missing', 'index.mjs'), 'utf8');
    expect(bundle).toContain('invoice_reconciliation');
    expect(bundle).not.toContain('generate_report');
  });

  it('needs no CDK bootstrap: no bootstrap parameter, rule, bucket or asset metadata', () => {
    const text = JSON.stringify(fromDisk);
    expect(fromDisk.Parameters).toBeUndefined();
    expect(fromDisk.Rules).toBeUndefined();
    expect(text).not.toContain('cdk-hnb659fds');
    expect(text).not.toContain('aws:asset:');
    expect(fromDisk.Outputs).toHaveProperty('WebSocketUrl');
  });
});
