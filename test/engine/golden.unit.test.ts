import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { machineFingerprint, replay, WorkflowVersionMismatchError } from '../../src/engine';
import { foldRequestView } from '../../src/projections/requestView';
import { replayHistories } from '../../src/testing';
import { type Golden, goldenRegistry, goldenScenarios } from './support/golden';
import { snapshotOf } from './support/invariants';

// Recorded histories (test/histories/*.json, written by
// `npx tsx test/histories/record.ts`) must replay to their recorded final
// snapshot for as long as the workflow keeps that version. Changing a machine
// without bumping its version fails here; after a bump, the old history must
// be refused with a typed error and a history of the new version must exist.

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'histories');
const goldens: Golden[] = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Golden);
const registry = goldenRegistry();

describe('golden histories', () => {
  it("pass the kit's versioning gate (replayHistories) with the demo workflows", () => {
    const actions = [...new Set(goldenScenarios.map(({ action }) => action))];
    const results = replayHistories(
      dir,
      actions.map((action) => registry.require(action)),
    );
    expect(
      results
        .filter((r) => r.result === 'replayed')
        .map((r) => r.action)
        .sort(),
    ).toEqual(goldenScenarios.map((s) => s.action).sort());
  });

  it('exist for every demo workflow at its current version', () => {
    for (const { action } of goldenScenarios) {
      const version = registry.require(action).version;
      expect(
        goldens.some((g) => g.action === action && g.version === version),
        `no golden history for ${action} v${version}: run npx tsx test/histories/record.ts`,
      ).toBe(true);
    }
  });

  for (const golden of goldens) {
    const workflow = registry.require(golden.action);
    if (golden.version === workflow.version) {
      describe(`${golden.action} v${golden.version}`, () => {
        it('has the machine it was recorded with (else bump the version)', () => {
          expect(
            machineFingerprint(workflow.machine),
            `${golden.action}'s machine changed but its version is still ${golden.version}: bump the version and record a new golden`,
          ).toBe(golden.fingerprint);
        });

        it('replays to the recorded snapshot and view, twice the same', () => {
          const first = replay(registry, golden.events);
          const second = replay(registry, structuredClone(golden.events));
          expect(snapshotOf(workflow.machine, first.snapshot)).toEqual(golden.snapshot);
          expect(snapshotOf(workflow.machine, second.snapshot)).toEqual(golden.snapshot);
          expect(foldRequestView(golden.events)).toEqual(golden.view);
        });
      });
    } else {
      it(`${golden.action} v${golden.version} is refused by v${workflow.version} with a typed error`, () => {
        expect(() => replay(registry, golden.events)).toThrow(WorkflowVersionMismatchError);
      });
    }
  }
});
