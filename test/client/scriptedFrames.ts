import type {
  AcknowledgmentFrame,
  CompleteFrame,
  ErrorCode,
  ErrorFrame,
  ProgressFrame,
  ResponseFrame,
} from '../../src/protocol';

/** Frames as the router and the projector send them, for scripting the fake server. */
export const frames = {
  ack: (id: string, duplicate = false): AcknowledgmentFrame => ({
    type: 'acknowledgment',
    request_id: id,
    status: 'queued',
    message: 'Request accepted for processing',
    ...(duplicate && { duplicate: true }),
    timestamp: 1,
  }),
  progress: (id: string, seq: number, percentage = seq * 10): ProgressFrame => ({
    type: 'progress',
    request_id: id,
    percentage,
    message: `step ${seq}`,
    seq,
    timestamp: 1_000 + seq,
  }),
  complete: (id: string, seq: number, result: unknown = { done: true }): CompleteFrame => ({
    type: 'complete',
    request_id: id,
    result,
    seq,
    timestamp: 1_000 + seq,
  }),
  failed: (id: string, seq: number, code: ErrorCode, retryable = false): ErrorFrame => ({
    type: 'error',
    request_id: id,
    error: { code, message: `${code} happened`, details: { name: 'Error', retryable } },
    seq,
    timestamp: 1_000 + seq,
  }),
  refused: (id: string, code: ErrorCode): ErrorFrame => ({
    type: 'error',
    request_id: id,
    error: { code, message: `${code} refused`, details: { why: code } },
    timestamp: 1,
  }),
  response: (id: string, data: unknown): ResponseFrame => ({
    type: 'response',
    request_id: id,
    success: true,
    data,
    timestamp: 1,
  }),
  failedResponse: (id: string, code: ErrorCode): ResponseFrame => ({
    type: 'response',
    request_id: id,
    success: false,
    data: null,
    error: { code, message: `${code} failed`, details: { why: code } },
    timestamp: 1,
  }),
  subscribed: (messageId: string, runId: string, replayed: number, lastSeq: number) =>
    frames.response(messageId, {
      request_id: runId,
      subscribed: true,
      replayed,
      last_seq: lastSeq,
    }),
};

/** Every item an async iterable yields until it ends. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The `seq`s of frames. */
export const seqs = (list: readonly { readonly seq?: number }[]) => list.map((frame) => frame.seq);
