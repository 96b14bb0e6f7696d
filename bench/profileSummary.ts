/**
 * Summarises `.cpuprofile` files: where the sampled time went, by function
 * (self time) and by package or source folder, so `docs/performance.md` can
 * say where the time goes from a profile rather than a guess.
 *
 *   npx tsx bench/profileSummary.ts bench/results/profiles/<label>.cpuprofile [--top=25] [--callers=<function>]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

/** Where a frame's code lives: `node_modules/<package>`, `src/<folder>`, `node:` internals or V8. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1] as string;
  const own = /\/(src|bench)\/([^/]+)/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return url.split('/')[0] as string;
  return url;
}

function summarise(file: string, top: number, callersOf?: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = profile.endTime - profile.startTime;
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    const where = frame.url
      ? `${frame.url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}`
      : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const area = areaOf(frame.url, frame.functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const list = (entries: Map<string, number>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => `  ${pct(us)}  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`)
      .join('\n');
  if (callersOf) {
    // Who calls `callersOf`: its self time by the chain of its nearest callers.
    const parent = new Map<number, number>();
    for (const node of profile.nodes)
      for (const child of node.children ?? []) parent.set(child, node.id);
    const chains = new Map<string, number>();
    for (const [id, us] of selfUs) {
      if ((byId.get(id) as ProfileNode).callFrame.functionName !== callersOf) continue;
      const chain: string[] = [];
      for (let at = parent.get(id); at !== undefined && chain.length < 6; at = parent.get(at)) {
        const frame = (byId.get(at) as ProfileNode).callFrame;
        chain.push(
          `${frame.functionName || '(anonymous)'}@${areaOf(frame.url, frame.functionName)}`,
        );
      }
      const key = chain.join(' < ');
      chains.set(key, (chains.get(key) ?? 0) + us);
    }
    console.log(`Callers of ${callersOf}:`);
    for (const [key, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
    return;
  }
  console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
  console.log(`By area (self time):\n${list(byArea)}`);
  console.log(`Top functions (self time):\n${list(byFunction)}\n`);
}

const top = Number(process.argv.find((arg) => arg.startsWith('--top='))?.slice(6) ?? 25);
const callersOf = process.argv.find((arg) => arg.startsWith('--callers='))?.slice(10);
for (const file of process.argv.slice(2).filter((arg) => !arg.startsWith('--')))
  summarise(file, top, callersOf);
