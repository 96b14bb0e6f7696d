import { describe, expect, it } from 'vitest';
import { validateInput } from '../../src/engine';
import { createGenerateReport } from '../../src/workflows';

const workflow = createGenerateReport({ speed: 1 });
const accepts = async (start_date: string) =>
  (
    await validateInput(workflow, {
      start_date,
      end_date: '2030-12-31',
      format: 'pdf',
      report_type: 'custom',
    })
  ).ok;

describe('generate_report dates', () => {
  it.each([
    '2026-02-28',
    '2028-02-29',
    '2026-12-31',
    '2026-01-01T10:00:00Z',
    '2026-01-01t10:00:00z',
    '2026-01-01 10:00:00+02:00',
    '2026-01-01T10:00:00.123-05:30',
  ])('accepts the real date or timestamp %s', async (date) => {
    expect(await accepts(date)).toBe(true);
  });

  it.each([
    '2026-02-30',
    '2026-02-29',
    '2026-04-31',
    '2026-13-01',
    '2026-00-10',
    '2026-01-00',
    '2026-1-1',
    '2026-02-30T10:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T23:60:00Z',
    '2026-01-01T10:00:00+24:00',
    '2026-01-01T10:00:00',
    'yesterday',
  ])('refuses %s, which names no real moment', async (date) => {
    expect(await accepts(date)).toBe(false);
  });
});
