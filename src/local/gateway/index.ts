export {
  type ApiFacts,
  type ConnectionFacts,
  type HandshakeFacts,
  methodArn,
} from './apiGatewayEvents';
export {
  type GatewayHandlers,
  type LocalGateway,
  type LocalGatewayOptions,
  startLocalGateway,
} from './localGateway';
export type { ManagedConnections } from './managementApi';
