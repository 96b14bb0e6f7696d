import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, step, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Whether year-month-day names a real calendar day (`2026-02-30` does not). */
function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Epoch ms of a `YYYY-MM-DD` date or an RFC 3339 timestamp, or undefined
 * when it is neither or names no real moment. `Date.parse` alone is not
 * enough: it rolls `2026-02-30` over to March 2 and accepts `24:00`.
 */
function parseDate(text: string): number | undefined {
  const date = DATE_ONLY.exec(text);
  if (date) {
    const [year, month, day] = date.slice(1, 4).map(Number) as [number, number, number];
    return isCalendarDay(year, month, day) ? Date.UTC(year, month - 1, day) : undefined;
  }
  const stamp = RFC_3339.exec(text);
  if (!stamp) return undefined;
  const [year, month, day, hour, minute, second] = stamp.slice(1, 7).map(Number) as number[];
  const offsetHours = Number(stamp[9] ?? 0);
  const offsetMinutes = Number(stamp[10] ?? 0);
  const valid =
    isCalendarDay(year as number, month as number, day as number) &&
    (hour as number) <= 23 &&
    (minute as number) <= 59 &&
    (second as number) <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!valid) return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

const dateSchema = z
  .string()
  .refine(
    (text) => parseDate(text) !== undefined,
    'must be a real date (YYYY-MM-DD) or RFC 3339 timestamp',
  );

const inputSchema = z.object({
  start_date: dateSchema,
  end_date: dateSchema,
  format: z.enum(['pdf', 'csv', 'excel']),
  report_type: z.enum(['monthly', 'quarterly', 'annual', 'custom']),
});

/** Input of `generate_report`. */
export type GenerateReportInput = z.infer<typeof inputSchema>;

/** Output of `generate_report`. */
export interface GenerateReportOutput {
  readonly report_id: string;
  readonly report_type: string;
  readonly format: string;
  readonly start_date: string;
  readonly end_date: string;
  readonly rows: number;
  readonly total: number;
  readonly url: string;
}

const EXTENSION = { pdf: 'pdf', csv: 'csv', excel: 'xlsx' } as const;

/**
 * `generate_report`: fetch rows → aggregate → render, three durable steps,
 * about three seconds at speed 1. The data is synthetic (a row per hour of
 * the period, capped) but the shape is a real report job's.
 */
export function createGenerateReport({
  speed,
}: DemoOptions): Workflow<GenerateReportInput, GenerateReportOutput, 'generate_report'> {
  const fetchRows = step<{ rows: number }, GenerateReportInput>(
    async ({ input, progress, signal }) => {
      const days = Math.max(
        1,
        Math.round(
          ((parseDate(input.end_date) ?? 0) - (parseDate(input.start_date) ?? 0)) / 86_400_000,
        ) + 1,
      );
      for (let chunk = 1; chunk <= 3; chunk++) {
        await sleep(300 / speed, signal);
        progress.report(5 + chunk * 10, `Fetched ${chunk} of 3 partitions`);
      }
      return { rows: Math.min(days * 24, 100_000) };
    },
  );
  const aggregate = step<{ total: number }, GenerateReportInput, { rows: number }>(
    async ({ stepInput, progress, signal }) => {
      progress.report(40, `Aggregating ${stepInput.rows} rows`);
      await sleep(600 / speed, signal);
      progress.report(65, 'Aggregated');
      return { total: stepInput.rows * 42 };
    },
  );
  const render = step<GenerateReportOutput, GenerateReportInput, { rows: number; total: number }>(
    async ({ input, stepInput, tenantId, requestId, progress, signal }) => {
      progress.report(70, `Rendering ${input.format.toUpperCase()}`);
      await sleep(600 / speed, signal);
      progress.report(100, 'Report ready');
      // Encoded, not rewritten: two ids must never share a report (or its URL).
      const reportId = `rpt-${encodeURIComponent(requestId)}`;
      const path = `${encodeURIComponent(tenantId)}/${reportId}`;
      return {
        report_id: reportId,
        report_type: input.report_type,
        format: input.format,
        start_date: input.start_date,
        end_date: input.end_date,
        rows: stepInput.rows,
        total: stepInput.total,
        url: `https://reports.example.com/${path}.${EXTENSION[input.format]}`,
      };
    },
  );
  const machine = setup({
    types: {} as {
      input: GenerateReportInput;
      context: { rows: number; total: number; report?: GenerateReportOutput };
    },
    actors: { fetchRows, aggregate, render },
  }).createMachine({
    id: 'generate_report',
    context: { rows: 0, total: 0 },
    initial: 'fetching',
    states: {
      fetching: {
        invoke: {
          id: 'fetchRows',
          src: 'fetchRows',
          onDone: {
            target: 'aggregating',
            actions: assign({ rows: ({ event }) => event.output.rows }),
          },
        },
      },
      aggregating: {
        invoke: {
          id: 'aggregate',
          src: 'aggregate',
          input: ({ context }) => ({ rows: context.rows }),
          onDone: {
            target: 'rendering',
            actions: assign({ total: ({ event }) => event.output.total }),
          },
        },
      },
      rendering: {
        invoke: {
          id: 'render',
          src: 'render',
          input: ({ context }) => ({ rows: context.rows, total: context.total }),
          onDone: { target: 'done', actions: assign({ report: ({ event }) => event.output }) },
        },
      },
      done: { type: 'final' },
    },
    output: ({ context }) => context.report,
  });
  return defineWorkflow({
    action: 'generate_report',
    version: 1,
    estimatedDuration: 120_000,
    input: inputSchema,
    validate: (input) =>
      (parseDate(input.end_date) ?? 0) < (parseDate(input.start_date) ?? 0)
        ? [{ path: 'end_date', message: 'must not be before start_date' }]
        : undefined,
    retry: {
      maxAttempts: 4,
      initialDelayMs: 1_000 / speed,
      backoffRate: 2,
      maxDelayMs: 60_000 / speed,
    },
    machine,
  });
}
