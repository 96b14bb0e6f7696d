/**
 * The prices every cost figure uses: AWS on-demand list prices for US East
 * (N. Virginia), in USD per unit, as published on each service's pricing
 * page. No free tier is applied (a million workflows a month is past it).
 * Update the numbers and `PRICES_AS_OF` together; the bench prints the date
 * next to every cost.
 */

/** When these prices were last checked against the sources below. */
export const PRICES_AS_OF = '2026-12-01';

export const PRICES = {
  dynamoDb: {
    /** On-demand write request unit (1 KB; transactional writes take 2). aws.amazon.com/dynamodb/pricing/on-demand (rates since 2024-11-01). */
    writeRequestUnit: 0.625 / 1e6,
    /** On-demand read request unit (4 KB strongly consistent; 2 for a transactional read). */
    readRequestUnit: 0.125 / 1e6,
    /** Table storage per GB-month beyond the first 25 GB. */
    storageGbMonth: 0.25,
    /** Streams read request unit; free when Lambda reads the stream (a trigger). */
    streamsReadRequestUnit: 0.02 / 1e5,
  },
  lambda: {
    /** Per request (invocation). aws.amazon.com/lambda/pricing */
    request: 0.2 / 1e6,
    /** Per GB-second on arm64 (Streamer's functions are arm64: infra/engineSettings.ts), first tier. */
    gbSecondArm64: 0.0000133334,
    /** Per GB-second on x86_64, first tier. */
    gbSecondX86: 0.0000166667,
  },
  apiGatewayWebSocket: {
    /** Per message sent or received, metered in 32 KB increments (first billion a month). aws.amazon.com/api-gateway/pricing */
    message: 1.0 / 1e6,
    /** Per connection minute. */
    connectionMinute: 0.25 / 1e6,
  },
  sqs: {
    /** Per standard-queue request, metered in 64 KB chunks. aws.amazon.com/sqs/pricing */
    request: 0.4 / 1e6,
  },
  stepFunctionsStandard: {
    /** Per state transition ($0.025 per 1,000). aws.amazon.com/step-functions/pricing */
    stateTransition: 0.025 / 1e3,
  },
  lambdaDurable: {
    /** Per durable operation (execution start, step, wait, callback …): $8.00 per million, the Lambda pricing page. */
    operation: 8.0 / 1e6,
    /** Per GB of checkpoint data written, as announced with the launch (2025-12); not checked again here. */
    dataWrittenGb: 0.25,
  },
} as const;
