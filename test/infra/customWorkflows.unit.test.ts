import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_FUNCTION_KINDS } from '../../infra/functionEntries';
import { SYNTH_TIMEOUT_MS, type SynthesizedEngine, synthEngine } from './synthEngine';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'customWorkflows', 'index.ts');
let synth: SynthesizedEngine;

beforeAll(() => {
  synth = synthEngine({
    workflowsModule: fixture,
    alarmTopic: (stack) => new Topic(stack, 'OpsAlarms'),
  });
}, SYNTH_TIMEOUT_MS);

/** The JavaScript Lambda will load for `kind`, as staged in the cloud assembly. */
function bundleOf(kind: keyof SynthesizedEngine['engine']['functions']): string {
  const asset = synth.engine.functions[kind].node
    .findAll()
    .find((c): c is Asset => c instanceof Asset);
  if (!asset) throw new Error(`${kind} has no code asset`);
  const dir = isAbsolute(asset.assetPath)
    ? asset.assetPath
    : join(synth.assemblyDir, asset.assetPath);
  return readFileSync(join(dir, 'index.mjs'), 'utf8');
}

describe('a user-defined workflow module outside src/', () => {
  it('is bundled into the processor instead of the demo workflows', () => {
    const processor = bundleOf('processor');
    expect(processor).toContain('invoice_reconciliation');
    expect(processor).toContain('ledger_ping');
    expect(processor).not.toContain('generate_report');
    expect(processor).not.toContain('bulk_operation');
  });

  it('is bundled into every function that needs the registry, and into no other', () => {
    for (const kind of WORKFLOW_FUNCTION_KINDS) {
      expect(bundleOf(kind)).toContain('invoice_reconciliation');
    }
    for (const kind of ['authorizer', 'connect', 'disconnect'] as const) {
      expect(bundleOf(kind)).not.toContain('invoice_reconciliation');
    }
  });
});

describe('an alarm topic', () => {
  it('receives every alarm and its recovery', () => {
    const topicId = synth.stack.getLogicalId(
      synth.stack.node.findChild('OpsAlarms').node.defaultChild as never,
    );
    const alarms = Object.values(
      synth.template.findResources('AWS::CloudWatch::Alarm') as Record<
        string,
        { Properties: { AlarmActions?: unknown[]; OKActions?: unknown[] } }
      >,
    );
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
    }
  });
});
