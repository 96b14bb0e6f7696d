import { ID_RULES } from '../events/requestKey';

/**
 * Size and shape limits of the WebSocket protocol. API Gateway closes a
 * connection on a message over 128 KiB; the router's own limit sits below it
 * so an oversize message still gets a `PAYLOAD_TOO_LARGE` error frame, and so
 * an `echo` reply to the largest accepted message still fits in one frame.
 */
export const PROTOCOL_LIMITS = {
  /** API Gateway's WebSocket message limit (both directions). */
  gatewayMessageBytes: 128 * 1024,
  /** Largest client message the router accepts, in UTF-8 bytes. */
  maxMessageBytes: 96 * 1024,
  /** Deepest nesting of objects/arrays accepted in a client message. */
  maxDepth: 32,
  /** Longest client-chosen request id, in characters. */
  maxIdLength: ID_RULES.requestId.maxLength,
  /** Longest action name, in characters. */
  maxActionLength: 64,
  /** Most `metadata` entries kept (extra ones are ignored). */
  maxMetadataEntries: 32,
  /** Longest `metadata` value kept, in characters (longer ones are ignored). */
  maxMetadataValueLength: 1024,
} as const;

/** The limits the parser applies; any subset may be overridden. */
export interface ParseLimits {
  readonly maxMessageBytes: number;
  readonly maxDepth: number;
}
