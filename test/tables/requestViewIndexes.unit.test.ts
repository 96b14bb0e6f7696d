import { describe, expect, it } from 'vitest';
import { parseViewIndexProjection } from '../../infra/appSettings';
import { SettingError } from '../../infra/settingError';
import type { RequestView } from '../../src/projections/requestView';
import { runSummary } from '../../src/router/inspectActions';
import {
  projectionOf,
  REQUEST_VIEW_INDEXES,
  RUN_LIST_ATTRIBUTES,
  RUN_PROGRESS_ATTRIBUTES,
  requestViewTable,
  requestViewTableWith,
  tables,
  tablesWith,
} from '../../src/tables/definitions';
import { projectedAsDefined } from '../../src/tables/reconcileIndexes';

/** The request view index of that name (throws if absent). */
const indexNamed = (name: string) => {
  const index = requestViewTable.globalIndexes.find((i) => i.indexName === name);
  if (!index) throw new Error(`no index ${name}`);
  return index;
};

const projections = (definition = requestViewTable) =>
  Object.fromEntries(definition.globalIndexes.map((i) => [i.indexName, projectionOf(i)]));

/** A view with every field a list row can show set. */
const fullView: RequestView = {
  requestKey: 'acme#r1',
  requestId: 'r1',
  tenantId: 'acme',
  userId: 'u1',
  action: 'report',
  connectionId: 'c1',
  status: 'FAILED',
  progress: 40,
  progressMessage: 'step 2',
  result: { big: true },
  error: { code: 'PROCESSING_FAILED', message: 'boom' },
  retryCount: 1,
  maxRetries: 2,
  retryAfter: 5,
  queuePosition: 3,
  lastSeq: 9,
  createdAt: 1000,
  processingStarted: 1100,
  processingEnded: 1200,
  ttl: 99,
};

describe('the request view indexes (lean)', () => {
  it('copy keys only into byConnection, the id and action of each run into the list indexes, everything into deadLettered', () => {
    expect(projections()).toEqual({
      [REQUEST_VIEW_INDEXES.byConnection]: { type: 'KEYS_ONLY' },
      [REQUEST_VIEW_INDEXES.byTenantStatus]: {
        type: 'INCLUDE',
        attributes: ['requestId', 'action'],
      },
      [REQUEST_VIEW_INDEXES.byTenant]: { type: 'INCLUDE', attributes: ['requestId', 'action'] },
      [REQUEST_VIEW_INDEXES.deadLettered]: { type: 'ALL' },
    });
  });

  it('copy nothing a progress-only pass rewrites', () => {
    for (const index of requestViewTable.globalIndexes) {
      const projection = projectionOf(index);
      if (projection.type !== 'INCLUDE') continue;
      for (const attribute of RUN_PROGRESS_ATTRIBUTES) {
        expect(projection.attributes).not.toContain(attribute);
      }
    }
  });

  it('with the progress attributes and the keys, hold everything a list row shows', () => {
    // Prepare: only what list reads back from the table (the index's attributes, the progress ones, the keys).
    const kept = new Set<string>([
      'requestKey',
      'createdAt',
      ...RUN_LIST_ATTRIBUTES,
      ...RUN_PROGRESS_ATTRIBUTES,
    ]);
    const partial = Object.fromEntries(
      Object.entries(fullView).filter(([key]) => kept.has(key)),
    ) as unknown as RequestView;
    // Act / Assess: the row is the one the whole view gives.
    expect(runSummary(partial)).toEqual(runSummary(fullView));
  });

  it('are the default of the tables the construct and the component build', () => {
    expect(tablesWith()).toBe(tables);
    expect(tables.requestView).toBe(requestViewTable);
  });
});

describe('requestViewIndexProjection', () => {
  it("'all' copies every attribute into every index, as stacks deployed before", () => {
    const all = Object.values(projections(requestViewTableWith('all')));
    expect(all).toEqual(Array(4).fill({ type: 'ALL' }));
  });

  it('per index: unnamed ones lean, omitted ones absent (one migration step)', () => {
    const step = requestViewTableWith({ byConnection: 'omit', byTenantStatus: 'all' });
    expect(projections(step)).toEqual({
      [REQUEST_VIEW_INDEXES.byTenantStatus]: { type: 'ALL' },
      [REQUEST_VIEW_INDEXES.byTenant]: projectionOf(indexNamed(REQUEST_VIEW_INDEXES.byTenant)),
      [REQUEST_VIEW_INDEXES.deadLettered]: { type: 'ALL' },
    });
  });

  it('is read from the app settings as lean, all, or index=setting pairs', () => {
    expect(parseViewIndexProjection('all')).toBe('all');
    expect(parseViewIndexProjection('byConnection=omit, byTenant=all')).toEqual({
      byConnection: 'omit',
      byTenant: 'all',
    });
    expect(() => parseViewIndexProjection('byTenant=some')).toThrow(SettingError);
    expect(() => parseViewIndexProjection('deadLettered=omit')).toThrow(/byConnection/);
  });
});

describe('projectedAsDefined', () => {
  const byConnection = indexNamed(REQUEST_VIEW_INDEXES.byConnection);
  const byTenantStatus = indexNamed(REQUEST_VIEW_INDEXES.byTenantStatus);
  it('compares the projection type, and INCLUDE attributes as a set', () => {
    const include = projectionOf(byTenantStatus);
    if (include.type !== 'INCLUDE') throw new Error('byTenantStatus is INCLUDE');
    const reversed = [...include.attributes].reverse();
    const live = (
      ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE',
      NonKeyAttributes?: string[],
    ) => ({
      Projection: { ProjectionType, ...(NonKeyAttributes && { NonKeyAttributes }) },
    });
    expect(projectedAsDefined(live('KEYS_ONLY'), byConnection)).toBe(true);
    expect(projectedAsDefined(live('ALL'), byConnection)).toBe(false);
    expect(projectedAsDefined(live('INCLUDE', reversed), byTenantStatus)).toBe(true);
    expect(projectedAsDefined(live('INCLUDE', reversed.slice(1)), byTenantStatus)).toBe(false);
    expect(projectedAsDefined(live('ALL'), byTenantStatus)).toBe(false);
  });
});
