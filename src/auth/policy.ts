import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { type Identity, toAuthorizerContext } from './identity';

/**
 * The authorizer's answer: `Allow` on exactly the `methodArn` it was asked
 * about (never a wildcard), with the flat identity context.
 */
export function allowPolicy(identity: Identity, methodArn: string): APIGatewayAuthorizerResult {
  return {
    principalId: identity.userId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }],
    },
    context: toAuthorizerContext(identity),
  };
}

/** `Deny` on the `methodArn`: API Gateway answers the upgrade with 403. */
export function denyPolicy(principalId: string, methodArn: string): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: methodArn }],
    },
  };
}
