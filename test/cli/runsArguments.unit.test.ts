import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEventArgument } from '../../src/cli/runs/control';
import { parseTimeFlag } from '../../src/cli/runs/list';
import { NoTargetError, resolveTarget } from '../../src/cli/runs/target';

describe('streamer runs arguments', () => {
  const now = Date.parse('2026-01-31T12:00:00Z');

  it('reads times as durations ago, ISO dates or epoch ms', () => {
    expect(parseTimeFlag('30m', now)).toBe(now - 30 * 60_000);
    expect(parseTimeFlag('2h', now)).toBe(now - 2 * 3_600_000);
    expect(parseTimeFlag('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseTimeFlag('2026-01-01', now)).toBe(Date.parse('2026-01-01'));
    expect(parseTimeFlag('1767225600000', now)).toBe(1767225600000);
    expect(() => parseTimeFlag('yesterday', now)).toThrow(
      /Not a time: yesterday \(use 30m, 2h, 7d/,
    );
  });

  it('takes a signal event as a JSON object with a type, and says what is wrong otherwise', () => {
    expect(parseEventArgument('{"type":"approve","approver":"bob"}')).toEqual({
      type: 'approve',
      approver: 'bob',
    });
    expect(() => parseEventArgument('approve')).toThrow(/not JSON/);
    expect(() => parseEventArgument('[1]')).toThrow(/must be a JSON object/);
    expect(() => parseEventArgument('{"approver":"bob"}')).toThrow(/needs a string "type"/);
  });
});

describe('where streamer runs connects', () => {
  const cwd = process.cwd();
  let dir: string | undefined;
  afterEach(() => {
    process.chdir(cwd);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prefers the flags, then STREAMER_URL and STREAMER_TOKEN', async () => {
    expect(await resolveTarget({ url: 'wss://a', token: 't1' }, {})).toEqual({
      url: 'wss://a',
      token: 't1',
      source: 'flags',
    });
    expect(await resolveTarget({}, { STREAMER_URL: 'wss://b', STREAMER_TOKEN: 't2' })).toEqual({
      url: 'wss://b',
      token: 't2',
      source: 'environment',
    });
  });

  it('names both ways out when there is neither a URL nor a running local stack', async () => {
    dir = mkdtempSync(join(tmpdir(), 'streamer-target-'));
    process.chdir(dir);
    const failure = resolveTarget({}, {});
    await expect(failure).rejects.toBeInstanceOf(NoTargetError);
    await expect(resolveTarget({}, {})).rejects.toThrow(
      /pass --url <wss:\/\/…> and --token <JWT>.*or start a local stack with npx streamer dev/,
    );
    await expect(resolveTarget({ url: 'wss://c' }, {})).rejects.toThrow(
      /No token: pass --token <JWT> or set STREAMER_TOKEN/,
    );
  });
});
