import type { BenchFigure, LoadFigures } from './scenario';

/** What `bench/results/latest.json` holds. */
export interface BenchReport {
  readonly date: string;
  readonly node: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel?: string;
    readonly memoryGiB: number;
    readonly platform: string;
    /** `os.loadavg()` (1, 5, 15 min) when the run started and ended. */
    readonly loadAverage?: { readonly start: readonly number[]; readonly end: readonly number[] };
  };
  readonly quick: boolean;
  readonly durationSeconds: number;
  readonly results: readonly {
    readonly scenario: string;
    readonly figures: readonly BenchFigure[];
  }[];
}

function num(value: number | undefined, digits = 1): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return '∞';
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(digits);
}

function loadCells(load: LoadFigures | undefined): string[] {
  if (!load) return ['', '', '', '', ''];
  return [
    `${num(load.achievedRate, 0)} / ${num(load.offeredRate, 0)}`,
    num(load.p50),
    num(load.p99),
    num(load.max),
    String(load.errors),
  ];
}

function ratio(figure: BenchFigure): string {
  const base = figure.baseline?.value;
  return base && Number.isFinite(base) && base !== 0 ? `${num(figure.value / base, 2)}×` : '';
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/**
 * The report as Markdown: one table for the open-loop load paths (ours,
 * then the raw baseline, then the p99 ratio) and one for the other figures.
 */
export function renderMarkdown(report: BenchReport): string {
  const loadRows: string[] = [];
  const otherRows: string[] = [];
  for (const { scenario, figures } of report.results) {
    for (const figure of figures) {
      if (figure.load) {
        loadRows.push(
          row([
            scenario,
            figure.name,
            ...loadCells(figure.load),
            figure.baseline
              ? `${figure.baseline.name}: ${figure.baseline.load ? `${loadCells(figure.baseline.load).slice(0, 4).join(' / ')}, err ${figure.baseline.load.errors}` : `p99 ${num(figure.baseline.value)}`}`
              : '',
            ratio(figure),
          ]),
        );
      } else {
        const details = Object.entries(figure.details ?? {})
          .map(([k, v]) => `${k} ${typeof v === 'number' ? num(v, 2) : v}`)
          .join(', ');
        otherRows.push(
          row([
            scenario,
            figure.name,
            `${num(figure.value, 3)} ${figure.unit}`,
            figure.baseline ? `${num(figure.baseline.value, 3)} (${figure.baseline.name})` : '',
            ratio(figure),
            details,
          ]),
        );
      }
    }
  }
  const { machine } = report;
  const lines = [
    `${report.quick ? 'Quick run' : 'Run'} of ${report.date} · Node ${report.node} · ${machine.cpus} × ${machine.cpuModel ?? '?'}, ${machine.memoryGiB} GiB, ${machine.platform} · ${report.durationSeconds} s${machine.loadAverage ? ` · load average ${machine.loadAverage.start.join('/')} at the start, ${machine.loadAverage.end.join('/')} at the end` : ''}`,
    '',
  ];
  if (loadRows.length > 0) {
    lines.push(
      'Open-loop paths (latency in ms from the scheduled send; rate = achieved / offered per s):',
      '',
      row([
        'scenario',
        'figure',
        'rate',
        'p50',
        'p99',
        'max',
        'errors',
        'raw baseline (rate / p50 / p99 / max)',
        'p99 ratio',
      ]),
      row(Array(9).fill('---')),
      ...loadRows,
      '',
    );
  }
  if (otherRows.length > 0) {
    lines.push(
      row(['scenario', 'figure', 'value', 'baseline', 'ratio', 'details']),
      row(Array(6).fill('---')),
      ...otherRows,
      '',
    );
  }
  // Details of load figures (writes per request, backlog …) in a list, to keep the tables narrow.
  const notes = report.results.flatMap(({ figures }) =>
    figures
      .filter((figure) => figure.load && figure.details)
      .map(
        (figure) =>
          `- ${figure.name}: ${Object.entries(figure.details ?? {})
            .map(([k, v]) => `${k} ${typeof v === 'number' ? num(v, 2) : v}`)
            .join(', ')}`,
      ),
  );
  if (notes.length > 0) lines.push(...notes, '');
  return lines.join('\n');
}
