import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { App, DefaultStackSynthesizer } from 'aws-cdk-lib';
import { SettingError } from './settingError';
import { type StageName, stageSettings, type TrafficShifting } from './stages';
import type { JwtSettings } from './streamerEngine';
import { StreamerStack } from './streamerStack';

/** What {@link synthTemplate} builds. */
export interface SynthTemplateOptions {
  /** Where to write `template.json` and `assets/` (created; an existing `assets/` is replaced). */
  readonly outDir: string;
  /** Your module exporting `workflows`. Default: the demo workflows. */
  readonly workflows?: string;
  /** Default `dev`. */
  readonly stage?: StageName;
  /** Physical-name prefix, default `streamer-<stage>`. */
  readonly prefix?: string;
  readonly jwt: JwtSettings;
  /** Subscribe this address to the alarms' SNS topic. */
  readonly alarmEmail?: string;
  /** Overrides the stage's traffic shifting (`'none'`: aliases move at once). */
  readonly trafficShifting?: TrafficShifting | 'none';
  /**
   * Where CDK stages the cloud assembly; default a temporary directory,
   * removed afterwards. A directory another synth of the same process used
   * lets CDK reuse its bundles.
   * @internal
   */
  readonly assemblyDir?: string;
}

/** What {@link synthTemplate} wrote. */
export interface SynthesizedTemplate {
  /** Absolute path of the CloudFormation template. */
  readonly templateFile: string;
  /** The template as written. */
  readonly template: CloudFormationTemplate;
  /** Each function's code: its logical id and the relative directory its `Code` names. */
  readonly assets: readonly { readonly logicalId: string; readonly path: string }[];
}

/** The parts of a CloudFormation template this module touches. */
export interface CloudFormationTemplate {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
  [section: string]: unknown;
}

const ASSETS_DIR = 'assets';

/**
 * Writes a self-contained CloudFormation template of the Streamer stack and
 * its Lambda bundles into `outDir`, deployable without CDK and without
 * `cdk bootstrap`: each function's `Code` is a relative directory
 * (`assets/<logical id>`), which `sam deploy` and `aws cloudformation package`
 * zip and upload to a bucket you choose. Every resource is the CDK app's own
 * (same logical ids, types and properties); only the code location differs.
 * The `streamer synth --out <dir>` command calls this.
 *
 * @example
 * synthTemplate({ outDir: 'dist/streamer', stage: 'prod', workflows: 'examples/expense-approval/workflows.ts',
 *   jwt: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json' } });
 * // then: sam deploy --template-file dist/streamer/template.json --stack-name streamer-prod --resolve-s3 --capabilities CAPABILITY_IAM
 */
export function synthTemplate(options: SynthTemplateOptions): SynthesizedTemplate {
  const outDir = resolve(options.outDir);
  const cdkOut = options.assemblyDir ?? mkdtempSync(join(tmpdir(), 'streamer-synth-'));
  try {
    const stack = buildStack(options, cdkOut);
    const assembly = stack.node.root as App;
    assembly.synth();
    const template = readJson<CloudFormationTemplate>(join(cdkOut, stack.templateFile));
    const manifest = readJson<AssetManifest>(join(cdkOut, `${stack.artifactId}.assets.json`));
    rmSync(join(outDir, ASSETS_DIR), { recursive: true, force: true });
    mkdirSync(join(outDir, ASSETS_DIR), { recursive: true });
    const assets = localizeCode(template, manifest, cdkOut, outDir);
    assertSelfContained(template);
    const templateFile = join(outDir, 'template.json');
    writeFileSync(templateFile, `${JSON.stringify(template, null, 2)}\n`);
    return { templateFile, template, assets };
  } finally {
    if (!options.assemblyDir) rmSync(cdkOut, { recursive: true, force: true });
  }
}

function buildStack(options: SynthTemplateOptions, cdkOut: string): StreamerStack {
  const stage = options.stage ?? 'dev';
  const base = stageSettings(stage, options.prefix);
  const shifting = options.trafficShifting ?? base.trafficShifting;
  const { trafficShifting: _, ...rest } = base;
  const settings = shifting && shifting !== 'none' ? { ...rest, trafficShifting: shifting } : rest;
  const app = new App({ outdir: cdkOut, analyticsReporting: false });
  return new StreamerStack(app, settings.prefix, {
    settings,
    jwt: options.jwt,
    ...(options.workflows && { workflowsModule: resolve(options.workflows) }),
    ...(options.alarmEmail && { alarmEmail: options.alarmEmail }),
    // No bootstrap version parameter or rule: nothing here needs `cdk bootstrap`.
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    description: `Streamer workflow engine (${stage})`,
  });
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source: { readonly path?: string; readonly packaging?: string };
      readonly destinations: Record<string, { readonly objectKey: string }>;
    }
  >;
}

/** Points every function's `Code` at a copy of its staged bundle under `outDir/assets/`. */
function localizeCode(
  template: CloudFormationTemplate,
  manifest: AssetManifest,
  cdkOut: string,
  outDir: string,
): { logicalId: string; path: string }[] {
  const byObjectKey = new Map<string, string>();
  for (const file of Object.values(manifest.files ?? {})) {
    if (!file.source.path || file.source.packaging !== 'zip') continue;
    for (const destination of Object.values(file.destinations)) {
      byObjectKey.set(destination.objectKey, file.source.path);
    }
  }
  const assets: { logicalId: string; path: string }[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const code = resource.Properties?.Code as { S3Key?: unknown; ZipFile?: unknown } | undefined;
    if (!code || code.ZipFile !== undefined) continue;
    const source = typeof code.S3Key === 'string' ? byObjectKey.get(code.S3Key) : undefined;
    if (!source) {
      throw new SettingError(
        `Cannot write a self-contained template: function ${logicalId} has code that is not a local directory asset (${JSON.stringify(code)}). Deploy this stack with \`cdk deploy\` instead.`,
      );
    }
    const path = `${ASSETS_DIR}/${logicalId}`;
    cpSync(isAbsolute(source) ? source : join(cdkOut, source), join(outDir, path), {
      recursive: true,
    });
    (resource.Properties as Record<string, unknown>).Code = path;
    if (resource.Metadata) {
      for (const key of Object.keys(resource.Metadata)) {
        if (key.startsWith('aws:asset:')) delete resource.Metadata[key];
      }
    }
    assets.push({ logicalId, path });
  }
  return assets;
}

/** Fails when anything still points at CDK's bootstrap bucket or parameters. */
function assertSelfContained(template: CloudFormationTemplate): void {
  const text = JSON.stringify(template);
  for (const marker of ['cdk-hnb659fds', 'BootstrapVersion', 'AssetParameters']) {
    if (text.includes(marker)) {
      throw new SettingError(
        `The template still references CDK's bootstrap resources (${marker}); a construct added an asset this command cannot localize. Deploy with \`cdk deploy\`, or report it.`,
      );
    }
  }
}

function readJson<T>(path: string): T {
  if (!existsSync(path)) throw new Error(`CDK wrote no ${path}`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
