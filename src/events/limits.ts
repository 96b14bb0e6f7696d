/** DynamoDB's limits, which every `EventStore` adapter enforces identically. */
export const EVENT_STORE_LIMITS = {
  /** DynamoDB's maximum item size, names and values included. */
  maxItemBytes: 400 * 1024,
  /** `TransactWriteItems` accepts at most 100 actions. */
  maxEventsPerAppend: 100,
  /** `TransactWriteItems` accepts at most 4 MB in total. */
  maxAppendBytes: 4 * 1024 * 1024,
} as const;
