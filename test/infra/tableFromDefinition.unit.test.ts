import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { tableFromDefinition } from '../../infra/tableFromDefinition';
import {
  type RequestViewIndexProjection,
  requestViewTableWith,
} from '../../src/tables/definitions';

/** The request view's GSIs, as CloudFormation would get them, for one setting. */
function indexesFor(setting: RequestViewIndexProjection) {
  const stack = new Stack(new App(), 'Tables');
  tableFromDefinition(stack, requestViewTableWith(setting), {
    tableName: 'streamer-prod-RequestView',
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
  });
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
  const indexes = table?.Properties.GlobalSecondaryIndexes as {
    IndexName: string;
    Projection: { ProjectionType: string };
  }[];
  return Object.fromEntries(indexes.map((i) => [i.IndexName, i.Projection.ProjectionType]));
}

// The first CDK synth of a process loads aws-cdk-lib's modules: seconds on a small machine.
describe('requestViewIndexProjection in the template', { timeout: 30_000 }, () => {
  it("'all' keeps the indexes a stack deployed before the lean indexes has (no index change on update)", () => {
    expect(indexesFor('all')).toEqual({
      byConnection: 'ALL',
      byTenantStatus: 'ALL',
      byTenant: 'ALL',
      deadLettered: 'ALL',
    });
  });

  it('a migration step changes one index only: here byConnection, deleted', () => {
    expect(indexesFor({ byConnection: 'omit', byTenantStatus: 'all', byTenant: 'all' })).toEqual({
      byTenantStatus: 'ALL',
      byTenant: 'ALL',
      deadLettered: 'ALL',
    });
  });

  it("'lean' (the default) projects byConnection keys only and the list indexes INCLUDE", () => {
    expect(indexesFor('lean')).toEqual({
      byConnection: 'KEYS_ONLY',
      byTenantStatus: 'INCLUDE',
      byTenant: 'INCLUDE',
      deadLettered: 'ALL',
    });
  });
});
