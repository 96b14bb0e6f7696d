import type { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { acceptRequest, createWorkflowRegistry, type EngineLogger } from '../../src/engine';
import { InMemoryEventStore } from '../../src/events/memory/inMemoryEventStore';
import { toRequestKey } from '../../src/events/requestKey';
import { engineLogger } from '../../src/lambdas/engineLogger';
import { processRequest } from '../../src/processor/processRequest';
import { createDemoWorkflows } from '../../src/workflows';

type Line = { level: string; message: string; attributes: Record<string, unknown> };

function recording(): { logger: EngineLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (message: string, attributes: Readonly<Record<string, unknown>> = {}) =>
      void lines.push({ level, message, attributes: { ...attributes } });
  return {
    lines,
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

describe('tenant_id on every log line', () => {
  it('every line of a run names its tenant and request', async () => {
    const { logger, lines } = recording();
    const registry = createWorkflowRegistry(Object.values(createDemoWorkflows({ speed: 1000 })));
    const store = new InMemoryEventStore();
    await acceptRequest(store, {
      workflow: registry.require('flaky_step'),
      tenantId: 'acme',
      userId: 'ann',
      requestId: 'r1',
      input: { failures: 1 },
      now: Date.now(),
    });
    await processRequest(
      {
        store,
        registry,
        clock: Date.now,
        logger,
        deadLetterSink: { send: async () => undefined },
        wakeUps: { schedule: async () => undefined },
      },
      toRequestKey('acme', 'r1'),
      () => 60_000,
    );
    expect(lines.map((line) => line.message)).toContain('step failed');
    for (const line of lines) {
      expect(line.attributes).toMatchObject({ tenant_id: 'acme', request_key: 'acme#r1' });
    }
  });

  it('the Lambda logger adds tenant_id to every line, null when the line is about no tenant', () => {
    const written: Record<string, unknown>[] = [];
    const powertools = {
      debug: (_m: string, a: Record<string, unknown>) => written.push(a),
      info: (_m: string, a: Record<string, unknown>) => written.push(a),
      warn: (_m: string, a: Record<string, unknown>) => written.push(a),
      error: (_m: string, a: Record<string, unknown>) => written.push(a),
    } as unknown as Logger;
    const logger = engineLogger(powertools);
    logger.info('connect authorized', { status: 'Unauthorized' });
    logger.warn('frame not delivered', { tenant_id: 'acme', connection_id: 'c1' });
    logger.error('message failed', { tenant_id: undefined });
    expect(written).toEqual([
      { status: 'Unauthorized', tenant_id: null },
      { tenant_id: 'acme', connection_id: 'c1' },
      { tenant_id: null },
    ]);
  });
});
