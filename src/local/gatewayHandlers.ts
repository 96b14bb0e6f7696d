import type { WorkflowRegistry } from '../engine';
import { createAuthorizerHandler } from '../lambdas/authorizer';
import { createConnectHandler } from '../lambdas/connect';
import { createDisconnectHandler } from '../lambdas/disconnect';
import { createRouterHandler, routerHandlerDeps } from '../lambdas/routerHandler';
import type { GatewayHandlers } from './gateway';

/**
 * The front door's real Lambda handlers for the local gateway, configured
 * from `process.env` exactly as in AWS (call it after the environment is set:
 * each handler reads its settings at its first invocation).
 *
 * @example
 * const gateway = await startLocalGateway({ handlers: loadGatewayHandlers(registry), port });
 */
export function loadGatewayHandlers(registry: WorkflowRegistry): GatewayHandlers {
  return {
    authorizer: createAuthorizerHandler(),
    connect: createConnectHandler(),
    disconnect: createDisconnectHandler(),
    default: createRouterHandler(routerHandlerDeps(registry)),
  };
}
