import ELK from 'elkjs/lib/elk.bundled.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MachineGraph } from '../client';
import type { StepState } from './runState';
import { layoutStatechart } from './statechart/layout';
import { statechartSvg } from './statechart/svg';

const elk = new ELK();

/** What to light up on the chart. */
export interface ChartMarks {
  /** Every active node (the root, compound parents, leaves). */
  readonly active: ReadonlySet<string>;
  /** The active leaves: the run's current states. */
  readonly current: readonly string[];
  /** Nodes active at some point before. */
  readonly visited: ReadonlySet<string>;
  /** Each step's latest state, by step id. */
  readonly steps: ReadonlyMap<string, StepState>;
}

function applyMarks(root: HTMLElement, marks: ChartMarks): void {
  for (const element of root.querySelectorAll<SVGGElement>('[data-node]')) {
    const id = element.dataset.node ?? '';
    element.classList.toggle('is-active', marks.active.has(id));
    element.classList.toggle('is-current', marks.current.includes(id));
    element.classList.toggle('is-visited', marks.visited.has(id) && !marks.active.has(id));
  }
  for (const element of root.querySelectorAll<SVGTextElement>('[data-step]')) {
    const state = marks.steps.get(element.dataset.step ?? '');
    for (const name of ['completed', 'failed', 'running', 'retrying', 'waiting_child']) {
      element.classList.toggle(`step-${name}`, state === name);
    }
    element.parentElement?.classList.toggle('has-done-step', state === 'completed');
  }
}

/** The workflow's statechart, laid out by ELK in the browser, with the run's states marked. */
export function StatechartView(props: {
  readonly graph: MachineGraph;
  readonly marks: ChartMarks;
}) {
  const [svg, setSvg] = useState<string>();
  const [error, setError] = useState<string>();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    layoutStatechart(props.graph, elk).then(
      (layout) => setSvg(statechartSvg(layout)),
      (failure: unknown) => setError(String(failure)),
    );
  }, [props.graph]);
  useEffect(() => {
    if (ref.current && svg) applyMarks(ref.current, props.marks);
  });
  if (error) return <p class="error">The chart could not be laid out: {error}</p>;
  return (
    <div
      class="statechart-view"
      ref={ref}
      data-ready={String(svg !== undefined)}
      data-current={props.marks.current.join(' ')}
      // The SVG is ours: every state, event and step name in it is escaped (statechart/svg.ts).
      dangerouslySetInnerHTML={{ __html: svg ?? '' }}
    />
  );
}
