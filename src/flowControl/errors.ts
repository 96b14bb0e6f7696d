/** A flow-control store (slots, circuits, rate windows) could not be reached or answered unexpectedly. */
export class FlowControlStoreError extends Error {
  override readonly name = 'FlowControlStoreError';
  /** Trying again later may work (throttling, a network blip). */
  readonly retryable = true;
  constructor(
    /** What was being done, e.g. `acquire slot acme#charge_card`. */
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      `Flow control store failed to ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}
