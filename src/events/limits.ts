/** DynamoDB's limits, which every `EventStore` adapter enforces identically. */
export const EVENT_STORE_LIMITS = {
  /**
   * DynamoDB's maximum item size, names and values included. An append is
   * one commit item while its events fit in one; one event must always fit.
   */
  maxItemBytes: 400 * 1024,
  /**
   * Events per append. An append too big for one item is written as several
   * consecutive items in one `TransactWriteItems`, which takes at most 100.
   */
  maxEventsPerAppend: 100,
  /** `TransactWriteItems` accepts at most 4 MB in total, which bounds an append's events. */
  maxAppendBytes: 4 * 1024 * 1024,
} as const;
