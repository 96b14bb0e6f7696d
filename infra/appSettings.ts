import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_FLOW_CONTROL, type FlowControlSettings } from '../src/settings/flowControl';
import type {
  LeanViewIndex,
  RequestViewIndexProjection,
  ViewIndexSetting,
} from '../src/tables/definitions';
import { SettingError } from './settingError';
import { parseStageName, parseTrafficShifting, type StageSettings, stageSettings } from './stages';
import type { JwtSettings } from './streamerEngine';
import type { StreamerStackProps } from './streamerStack';

/** Reads one setting: a CDK context value, or failing that an environment variable. */
export type SettingReader = (contextKey: string, envKey: string) => string | undefined;

/** The stack props the app's settings describe (docs/deploy.md, "Settings"). */
export type AppStackProps = Omit<StreamerStackProps, 'env' | 'description'>;

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/**
 * Turns the app's settings (`-c name=value` or environment variables) into
 * stack props, failing with a message that names the setting to fix.
 */
export function readStackProps(setting: SettingReader): AppStackProps {
  const settings = readStageSettings(setting);
  const workflowsModule = setting('workflowsModule', 'STREAMER_WORKFLOWS_MODULE');
  const alarmEmail = setting('alarmEmail', 'STREAMER_ALARM_EMAIL');
  const vpcId = setting('vpcId', 'STREAMER_VPC_ID');
  const encryptionKey = setting('encryptionKey', 'STREAMER_ENCRYPTION_KEY');
  const auditLog = setting('auditLog', 'STREAMER_AUDIT_LOG');
  if (auditLog !== undefined && auditLog !== 'writes' && auditLog !== 'all') {
    throw new SettingError(`auditLog must be writes or all, got ${JSON.stringify(auditLog)}`);
  }
  const accessLogs = setting('accessLogs', 'STREAMER_ACCESS_LOGS') === 'true';
  const viewIndexes = setting(
    'requestViewIndexProjection',
    'STREAMER_REQUEST_VIEW_INDEX_PROJECTION',
  );
  return {
    settings,
    jwt: readJwtSettings(setting),
    ...(workflowsModule && { workflowsModule: resolve(workflowsModule) }),
    ...(alarmEmail && { alarmEmail }),
    ...(vpcId && { vpcId }),
    ...(encryptionKey && { encryptionKey }),
    ...(auditLog && { auditLog }),
    ...(accessLogs && { accessLogs }),
    ...(viewIndexes && { requestViewIndexProjection: parseViewIndexProjection(viewIndexes) }),
  };
}

const VIEW_INDEX_SETTINGS: readonly string[] = ['lean', 'all', 'omit'];
const LEAN_VIEW_INDEXES: readonly string[] = ['byConnection', 'byTenantStatus', 'byTenant'];

/**
 * `lean`, `all`, or one migration step as `index=setting` pairs
 * (`byConnection=omit,byTenantStatus=all,byTenant=all`; an index not named
 * is lean).
 */
export function parseViewIndexProjection(value: string): RequestViewIndexProjection {
  if (value === 'lean' || value === 'all') return value;
  const step: Partial<Record<LeanViewIndex, ViewIndexSetting>> = {};
  for (const pair of list(value)) {
    const [index = '', choice = ''] = pair.split('=').map((part) => part.trim());
    if (!LEAN_VIEW_INDEXES.includes(index) || !VIEW_INDEX_SETTINGS.includes(choice)) {
      throw new SettingError(
        `requestViewIndexProjection must be lean, all, or index=lean|all|omit pairs of byConnection, byTenantStatus, byTenant (docs/deploy.md); got ${JSON.stringify(value)}`,
      );
    }
    step[index as LeanViewIndex] = choice as ViewIndexSetting;
  }
  return step;
}

/**
 * The stage's settings, with `trafficShifting` overridden when given (`none`
 * turns CodeDeploy off) and any flow-control limit given
 * (`-c tenantMessagesPerSecond=500`, 0 turns one off).
 */
export function readStageSettings(setting: SettingReader): StageSettings {
  const stage = parseStageName(setting('stage', 'STREAMER_STAGE'));
  const base = withFlowControl(stageSettings(stage, setting('prefix', 'STREAMER_PREFIX')), setting);
  const shifting = setting('trafficShifting', 'STREAMER_TRAFFIC_SHIFTING');
  if (shifting === undefined) return base;
  const { trafficShifting: _, ...rest } = base;
  const chosen = parseTrafficShifting(shifting);
  return chosen ? { ...rest, trafficShifting: chosen } : rest;
}

/** The flow-control limits a setting overrides: its context key, and `STREAMER_<KEY>` in the environment. */
const FLOW_CONTROL_SETTINGS = [
  ['tenantMessagesPerSecond', 'STREAMER_TENANT_MESSAGES_PER_SECOND'],
  ['connectionMessagesPerSecond', 'STREAMER_CONNECTION_MESSAGES_PER_SECOND'],
  ['tenantStartsPerSecond', 'STREAMER_TENANT_STARTS_PER_SECOND'],
  ['concurrencyPerTenant', 'STREAMER_CONCURRENCY_PER_TENANT'],
] as const satisfies readonly (readonly [keyof FlowControlSettings, string])[];

function withFlowControl(settings: StageSettings, setting: SettingReader): StageSettings {
  let flowControl: FlowControlSettings = settings.flowControl ?? DEFAULT_FLOW_CONTROL;
  for (const [key, envKey] of FLOW_CONTROL_SETTINGS) {
    const text = setting(key, envKey);
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) {
      throw new SettingError(
        `${key} must be a whole number >= 0 (0: no limit), got ${JSON.stringify(text)}`,
      );
    }
    flowControl = { ...flowControl, [key]: value };
  }
  return { ...settings, flowControl };
}

function readJwtSettings(setting: SettingReader): JwtSettings {
  const publicKeyFile = setting('jwtPublicKeyFile', 'JWT_PUBLIC_KEY_FILE');
  const publicKeyPem = publicKeyFile
    ? readFileSync(resolve(publicKeyFile), 'utf8')
    : setting('jwtPublicKey', 'JWT_PUBLIC_KEY');
  const jwksUrl = setting('jwksUrl', 'JWKS_URL');
  const issuer = setting('jwtIssuer', 'JWT_ISSUER');
  const audience = setting('jwtAudience', 'JWT_AUDIENCE');
  const allowedTenants = setting('jwtAllowedTenants', 'JWT_ALLOWED_TENANTS');
  const clockTolerance = setting('jwtClockToleranceSeconds', 'JWT_CLOCK_TOLERANCE_SECONDS');
  return {
    ...(publicKeyPem && { publicKeyPem }),
    ...(jwksUrl && { jwksUrl }),
    ...(issuer && { issuer }),
    ...(audience && { audience: list(audience) }),
    ...(allowedTenants && { allowedTenants: list(allowedTenants) }),
    ...(clockTolerance && { clockToleranceSeconds: Number(clockTolerance) }),
  };
}
