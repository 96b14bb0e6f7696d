import type { TableRole } from '../src/tables/definitions';
import type { FunctionKind } from './functionEntries';

/** How a function may use a table: items only, never the table's settings. */
export type TableAccess = 'read' | 'write' | 'readWrite';

/** The queues a function may send to (consuming comes with an event-source mapping). */
export type SendQueue = 'deadLetter' | 'wakeUp';

/** Everything one function may touch beyond its own logs and traces. */
export interface FunctionAccess {
  readonly tables: Readonly<Partial<Record<TableRole, TableAccess>>>;
  readonly sendTo: readonly SendQueue[];
  /** Post, read and delete connections through this API's Management API. */
  readonly manageConnections: boolean;
}

/**
 * Least privilege, once for every deploy path: the CDK construct turns each
 * entry into grants, the Pulumi component into IAM statements. Stream reads
 * and queue consumption are granted with the mappings that need them.
 */
export const FUNCTION_ACCESS: Readonly<Record<FunctionKind, FunctionAccess>> = {
  authorizer: { tables: {}, sendTo: [], manageConnections: false },
  connect: { tables: { connections: 'write' }, sendTo: [], manageConnections: false },
  disconnect: {
    tables: { connections: 'write', subscriptions: 'readWrite' },
    sendTo: [],
    manageConnections: false,
  },
  router: {
    // requestView: `list` queries its tenant indexes; `subscribe` and
    // `unsubscribe` move a view's subscription version on (`UpdateItem`).
    tables: {
      requests: 'readWrite',
      requestView: 'readWrite',
      connections: 'readWrite',
      subscriptions: 'readWrite',
      rateLimits: 'readWrite',
    },
    sendTo: [],
    manageConnections: true,
  },
  // The processor reads the log's stream (granted with its mapping) and only dispatches wake-ups.
  processor: { tables: {}, sendTo: ['wakeUp'], manageConnections: false },
  projector: {
    tables: {
      requests: 'read',
      requestView: 'readWrite',
      connections: 'readWrite',
      subscriptions: 'readWrite',
    },
    sendTo: [],
    manageConnections: true,
  },
  runner: {
    tables: { requests: 'readWrite', flowControl: 'readWrite' },
    sendTo: ['wakeUp', 'deadLetter'],
    manageConnections: false,
  },
};

/**
 * The DynamoDB actions of each access, the same lists CDK's `Table.grant*Data`
 * grants (so the Pulumi component's policies match the construct's).
 */
export const TABLE_ACTIONS: Readonly<Record<'read' | 'write', readonly string[]>> = {
  read: [
    'dynamodb:BatchGetItem',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:Query',
    'dynamodb:GetItem',
    'dynamodb:Scan',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
  ],
  write: [
    'dynamodb:BatchWriteItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:DescribeTable',
  ],
};

/** The actions of one table access. */
export function tableActions(access: TableAccess): string[] {
  const actions =
    access === 'readWrite'
      ? [...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write]
      : TABLE_ACTIONS[access];
  return [...new Set(actions)];
}
