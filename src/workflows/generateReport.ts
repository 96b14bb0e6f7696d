import { assign, setup } from 'xstate';
import { z } from 'zod';
import { defineWorkflow, step, type Workflow } from '../engine';
import type { DemoOptions } from './demoOptions';
import { sleep } from './sleep';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of a `YYYY-MM-DD` or RFC 3339 string, or undefined when it is neither. */
function parseDate(text: string): number | undefined {
  if (!DATE_ONLY.test(text) && !RFC_3339.test(text)) return undefined;
  const ms = Date.parse(DATE_ONLY.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : ms;
}

const dateSchema = z
  .string()
  .refine(
    (text) => parseDate(text) !== undefined,
    'must be a date (YYYY-MM-DD) or an RFC 3339 timestamp',
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
