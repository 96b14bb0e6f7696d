/** Options shared by the demo workflows. */
export interface DemoOptions {
  /**
   * Divides every sleep and retry delay: 1 takes a few seconds per request,
   * 100 is for tests. The local stack reads `STREAMER_DEMO_SPEED` into it.
   */
  readonly speed: number;
}
