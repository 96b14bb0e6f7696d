// `streamer-engine/pulumi`: the Streamer engine as a Pulumi component.

export type {
  LeanViewIndex,
  RequestViewIndexProjection,
  ViewIndexSetting,
} from '../../src/tables/definitions';
export { type StageName, type StageSettings, stageSettings } from '../stages';
export type { JwtSettings } from '../streamerEngine';
export { type BundleOptions, bundleFunctions } from './bundle';
export { type PulumiVpcSettings, StreamerEngine, type StreamerEngineArgs } from './streamerEngine';
