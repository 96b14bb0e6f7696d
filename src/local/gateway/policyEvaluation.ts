import type { APIGatewayAuthorizerResult, Statement } from 'aws-lambda';

function resourcesOf(statement: Statement): string[] {
  const resource = (statement as { Resource?: string | string[] }).Resource;
  if (resource === undefined) return [];
  return Array.isArray(resource) ? resource : [resource];
}

function actionsOf(statement: Statement): string[] {
  const action = (statement as { Action?: string | string[] }).Action;
  if (action === undefined) return [];
  return Array.isArray(action) ? action : [action];
}

function wildcardMatch(pattern: string, value: string): boolean {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`).test(value);
}

function matches(statement: Statement, methodArn: string): boolean {
  return (
    actionsOf(statement).some((action) => wildcardMatch(action, 'execute-api:Invoke')) &&
    resourcesOf(statement).some((resource) => wildcardMatch(resource, methodArn))
  );
}

/**
 * Evaluates an authorizer's policy the way IAM does for one request: an
 * explicit `Deny` on the ARN wins, otherwise an `Allow` on it is required.
 */
export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  const statements = result.policyDocument?.Statement ?? [];
  const applicable = statements.filter((statement) => matches(statement, methodArn));
  if (applicable.some((statement) => statement.Effect === 'Deny')) return false;
  return applicable.some((statement) => statement.Effect === 'Allow');
}
