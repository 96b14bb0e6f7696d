/**
 * `streamer-engine/local`: the whole system on one machine, for tests and
 * development — DynamoDB Local with streams, the SQS emulator, the WebSocket
 * gateway and the stream mappings, running the same handlers as AWS. Needs
 * the dev packages `streamer dev` names (amplify-dynamodb-simulator, fauxqs,
 * ws; tsx for TypeScript modules) and Java 17+.
 *
 * @example
 * import { loadWorkflowRegistry, startLocalStack } from 'streamer-engine/local';
 * const stack = await startLocalStack({ registry: await loadWorkflowRegistry('./workflows.ts') });
 * const token = await stack.devIdentity?.mintToken({ sub: 'ann', tenant_id: 'acme' });
 * // connect to `${stack.url}?Authorization=${token}` …
 * await stack.stop();
 *
 * @packageDocumentation
 */
export type { DevIdentity } from './devIdentity';
export { LOCAL_AWS } from './localAws';
export type { LocalJwtSettings, LocalStack, LocalStackOptions } from './stack';
export { startLocalStack } from './stack';
export { loadWorkflowRegistry, loadWorkflows, WorkflowModuleError } from './workflowModule';
