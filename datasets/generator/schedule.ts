// Merges many traffic scripts into one time-ordered packet stream. A script is a generator that
// yields its packets (and the scripts it starts) in its own time order; the schedule keeps one
// pending emission per live script in a binary heap, so memory stays flat however long the run.

/** Time in microseconds since the epoch: exact integers for centuries, and enough resolution. */
export type Micros = number;

export interface PacketEmission {
  at: Micros;
  /** the captured bytes */
  frame: Uint8Array;
  /** the length on the wire (≥ frame.length) */
  wireLen: number;
}

export interface SpawnEmission {
  at: Micros;
  spawn: TrafficScript;
}

export type Emission = PacketEmission | SpawnEmission;
export type TrafficScript = Iterator<Emission, unknown, undefined>;

export interface PacketSink {
  write(at: Micros, frame: Uint8Array, wireLen: number): void;
}

interface Pending {
  at: Micros;
  /** insertion order: equal times come out first-in first-out, which keeps runs deterministic */
  seq: number;
  script: TrafficScript;
  emission: Emission;
}

export class TrafficSchedule {
  private readonly heap: Pending[] = [];
  private seq = 0;

  /** Starts a script: its first emission decides when it is first heard from. */
  add(script: TrafficScript): void {
    const r = script.next();
    if (r.done) return;
    this.push({ at: r.value.at, seq: this.seq++, script, emission: r.value });
  }

  get size(): number {
    return this.heap.length;
  }

  /** Delivers every packet before `endAt` to the sink, in time order; later emissions are dropped. */
  run(endAt: Micros, sink: PacketSink): void {
    const heap = this.heap;
    while (heap.length > 0) {
      const top = heap[0]!;
      const now = top.at;
      if (now >= endAt) break;
      const em = top.emission;
      let spawned: TrafficScript | null = null;
      if ('frame' in em) sink.write(now, em.frame, em.wireLen);
      else spawned = em.spawn;
      const r = top.script.next();
      if (r.done) {
        this.popTop();
      } else {
        if (r.value.at < now) throw timeTravel(r.value.at, now);
        top.at = r.value.at;
        top.seq = this.seq++;
        top.emission = r.value;
        this.siftDown(0);
      }
      if (spawned) {
        const first = spawned.next();
        if (first.done) continue;
        if (first.value.at < now) throw timeTravel(first.value.at, now);
        this.push({ at: first.value.at, seq: this.seq++, script: spawned, emission: first.value });
      }
    }
  }

  private push(p: Pending): void {
    const heap = this.heap;
    heap.push(p);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(p, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = p;
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[start]!;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[c]!, item)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = item;
  }
}

function before(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function timeTravel(at: Micros, now: Micros): Error {
  return new Error(`a traffic script went back in time (${at} µs after ${now} µs): scripts must yield in time order`);
}
