import { WebSocket } from 'ws';
import type { ConnectionFacts } from './apiGatewayEvents';
import type { ManagedConnections } from './managementApi';

/** A connection past `$connect`, with its socket and the timers that close it. */
export interface OpenConnection extends ConnectionFacts {
  readonly socket: WebSocket;
  lastActiveAt: number;
  idleTimer?: NodeJS.Timeout;
  lifeTimer?: NodeJS.Timeout;
}

/** The gateway's open connections, by id: what the Management API sends to, describes and closes. */
export class OpenConnections implements ManagedConnections {
  readonly #byId = new Map<string, OpenConnection>();

  add(connection: OpenConnection): void {
    this.#byId.set(connection.connectionId, connection);
  }

  remove(connectionId: string): void {
    this.#byId.delete(connectionId);
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }

  /** A snapshot: closing a connection while iterating it is safe. */
  all(): OpenConnection[] {
    return [...this.#byId.values()];
  }

  send(connectionId: string, data: Buffer): boolean {
    const connection = this.#byId.get(connectionId);
    if (!connection || connection.socket.readyState !== WebSocket.OPEN) return false;
    connection.socket.send(data.toString('utf8'));
    return true;
  }

  describe(connectionId: string): ReturnType<ManagedConnections['describe']> {
    const connection = this.#byId.get(connectionId);
    return (
      connection && {
        connectedAt: connection.connectedAt,
        lastActiveAt: connection.lastActiveAt,
        sourceIp: connection.sourceIp,
        ...(connection.userAgent && { userAgent: connection.userAgent }),
      }
    );
  }

  disconnect(connectionId: string): boolean {
    const connection = this.#byId.get(connectionId);
    if (!connection) return false;
    connection.socket.close(1000, 'Disconnected by the server');
    return true;
  }
}
