import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadWorkflowRegistry, WorkflowModuleError } from '../../src/local/workflowModule';

// `streamer dev` / `npm start` load the user's workflows module before they
// start anything. Given a module that cannot be served, when it is loaded,
// then the error names the module and what to fix. (The modules live in a
// git-ignored folder of the repository, so they resolve its packages.)

const repo = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(repo, '.tmp-workflows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const engine = JSON.stringify(join(repo, 'src', 'engine', 'index.ts'));
function moduleFile(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

async function loadError(path: string): Promise<WorkflowModuleError> {
  const error = await loadWorkflowRegistry(path).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WorkflowModuleError);
  return error as WorkflowModuleError;
}

describe('loading a workflows module', () => {
  it('registers the workflows it exports', async () => {
    const path = moduleFile(
      'good.ts',
      `import { defineHandler } from ${engine};
export const workflows = [defineHandler({ action: 'ping', estimatedDuration: 1, input: { '~standard': { version: 1, vendor: 't', validate: (value: unknown) => ({ value }) } }, process: async () => 'pong' })];`,
    );
    expect((await loadWorkflowRegistry(path)).actions()).toEqual(['ping']);
  });

  it('names a module that does not exist', async () => {
    const error = await loadError(join(dir, 'missing.ts'));
    expect(error.message).toMatch(/^No workflows module at .*missing\.ts$/);
  });

  it('names a module that throws while loading, with its error', async () => {
    const path = moduleFile('throws.ts', `throw new Error('the config file is missing');\n`);
    const error = await loadError(path);
    expect(error.message).toBe(
      `Cannot load the workflows module ${path}: the config file is missing`,
    );
  });

  it('names a module without a `workflows` array', async () => {
    const path = moduleFile('noExport.ts', 'export const flows = [];\n');
    expect((await loadError(path)).message).toContain('must export `workflows`, an array');
  });

  it('names an entry that is not a workflow', async () => {
    const path = moduleFile('notAWorkflow.ts', "export const workflows = [{ action: 'x' }];\n");
    expect((await loadError(path)).message).toContain('workflows[0] is not a workflow');
  });

  it('names the workflow and the actor when a machine invokes an unregistered actor', async () => {
    // A workflow object built by hand around such a machine (defineWorkflow refuses it already).
    const path = moduleFile(
      'unregistered.ts',
      `import { createMachine } from 'xstate';
const machine = createMachine({ id: 'resize', initial: 'a', states: { a: { invoke: { src: 'download' } } } });
export const workflows = [{ action: 'resize_images', version: 1, estimatedDuration: 60_000, machine }];`,
    );
    const error = await loadError(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain(
      'Workflow resize_images invokes actor "download" (in state resize.a) that is not registered',
    );
  });
});
