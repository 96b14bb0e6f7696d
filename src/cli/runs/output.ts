import { StreamerError } from '../../client';

/** Prints `value` as one JSON document (what `--json` gives scripts). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Lays rows out in columns, padded to the widest cell (the header first). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Runs a command's body and turns failures into a message and an exit
 * code: 1 for the engine's refusals (`NOT_FOUND`, `VALIDATION_ERROR` …), 2
 * for a wrong invocation. With `--json` the error is printed as JSON too.
 */
export async function runCommand(json: boolean | undefined, body: () => Promise<number>) {
  try {
    process.exitCode = await body();
  } catch (error) {
    const code = error instanceof StreamerError ? error.code : 'ERROR';
    const message = error instanceof Error ? error.message : String(error);
    if (json) {
      const details = error instanceof StreamerError ? error.details : undefined;
      printJson({ error: { code, message, ...(details !== undefined && { details }) } });
    } else {
      console.error(`${code === 'ERROR' ? '' : `${code}: `}${message}`);
    }
    process.exitCode = 1;
  }
}
