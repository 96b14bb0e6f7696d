export {
  type ApiFacts,
  type ConnectionFacts,
  type HandshakeFacts,
  methodArn,
  newConnectionId,
} from './events';
export { lambdaContext } from './lambdaContext';
export {
  type GatewayHandlers,
  type LocalGateway,
  type LocalGatewayOptions,
  startLocalGateway,
} from './localGateway';
export { handleManagementRequest, type ManagedConnections } from './managementApi';
export { policyAllows } from './policyEvaluation';
