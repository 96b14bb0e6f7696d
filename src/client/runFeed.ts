import type { CompleteFrame, ErrorFrame, ProgressFrame } from '../protocol/frames';

/** A frame from a run's log: `progress`, `complete` or a terminal `error`, each with its `seq`. */
export type RunFrame =
  | ProgressFrame
  | CompleteFrame
  | (ErrorFrame & { readonly request_id: string; readonly seq: number });

/** The outcome of {@link RunFeed.endCatchUp}. */
export type CatchUpResult =
  | { readonly kind: 'caught_up'; readonly frames: readonly RunFrame[] }
  /** Fewer catch-up frames arrived than the server says it posted: subscribe again. */
  | { readonly kind: 'incomplete'; readonly missing: number };

/**
 * Puts one run's frames in `seq` order, each exactly once, across
 * reconnects (docs/client.md, "Ordering").
 *
 * While live, a frame is delivered when its `seq` is above the last one
 * delivered (the projector posts a request's frames in log order; anything
 * at or below is a repeat). Between sending `subscribe` and its answer the
 * feed holds everything: the router posts the catch-up frames, in order,
 * before it answers, but live frames of the same run may arrive in between,
 * before or after catch-up frames they follow or repeat. The answer says how
 * far the catch-up read the log (`last_seq`) and how many frames it posted
 * (`replayed`); once that many distinct frames of the range are held, the
 * feed releases them and everything newer, sorted by `seq`.
 */
export class RunFeed {
  #lastSeq: number;
  #catchUp: { readonly from: number; readonly held: Map<number, RunFrame> } | undefined;

  constructor(lastSeq = 0) {
    this.#lastSeq = lastSeq;
  }

  /** Everything up to here was delivered (or has no frame): what `subscribe` resumes from. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Whether a catch-up is in progress (frames are being held). */
  get catchingUp(): boolean {
    return this.#catchUp !== undefined;
  }

  /** Takes a frame off the wire; returns the frames to deliver now, in order. */
  accept(frame: RunFrame): readonly RunFrame[] {
    if (frame.seq <= this.#lastSeq) return [];
    if (this.#catchUp) {
      this.#catchUp.held.set(frame.seq, frame);
      return [];
    }
    this.#lastSeq = frame.seq;
    return [frame];
  }

  /**
   * A `subscribe` from {@link lastSeq} is about to be sent: hold frames until
   * its answer. Frames already held (by a catch-up the connection dropped
   * under) stay: they are log frames like any other.
   */
  beginCatchUp(): number {
    this.#catchUp ??= { from: this.#lastSeq, held: new Map() };
    return this.#catchUp.from;
  }

  /** The `subscribe` answer: the catch-up read the log to `lastLogSeq` and posted `replayed` frames. */
  endCatchUp(lastLogSeq: number, replayed: number): CatchUpResult {
    const catchUp = this.#catchUp;
    if (!catchUp) return { kind: 'caught_up', frames: [] };
    let inRange = 0;
    for (const seq of catchUp.held.keys()) if (seq <= lastLogSeq) inRange++;
    if (inRange < replayed) return { kind: 'incomplete', missing: replayed - inRange };
    this.#catchUp = undefined;
    const frames = [...catchUp.held.values()].sort((a, b) => a.seq - b.seq);
    this.#lastSeq = Math.max(this.#lastSeq, lastLogSeq, frames.at(-1)?.seq ?? 0);
    return { kind: 'caught_up', frames };
  }

  /** Gives up on a catch-up (the run is over): the held frames, in order. */
  abandonCatchUp(): readonly RunFrame[] {
    const held = this.#catchUp?.held;
    this.#catchUp = undefined;
    if (!held) return [];
    const frames = [...held.values()].sort((a, b) => a.seq - b.seq);
    this.#lastSeq = Math.max(this.#lastSeq, frames.at(-1)?.seq ?? 0);
    return frames;
  }
}
