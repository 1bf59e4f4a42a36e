// The window rule, on window indexes alone: which window a packet counts in, and when each window
// closes. The aggregator of a single-threaded pipeline and the dispatcher of a sharded one follow
// the same schedule, so that both emit the same windows at the same points of the packet stream.
//
// Window i covers [i·W, (i+1)·W) ms since the epoch. The newest window and the one before it stay
// open (one window of out-of-order grace); a packet beyond them closes every older window. A packet
// for a window already closed counts in the oldest open window, so totals stay exact. On a quiet
// live link flushIdle() closes windows on the wall clock. Windows without packets between two
// emitted ones are emitted empty (at most maxGapWindows for one gap).

export interface WindowScheduleEvents {
  /** window `index` closes (it was open) */
  close(index: number, byClock: boolean): void;
  /** window `index` had no packet: emit it empty */
  gap(index: number, byClock: boolean): void;
}

export class WindowSchedule {
  /** indexes of the open windows, oldest first */
  private readonly open: number[] = [];
  /** index of the next window to emit; NaN before the first packet */
  private nextToEmit = Number.NaN;
  /** most empty windows emitted for one gap (a live source lowers it) */
  maxGapWindows: number;

  constructor(
    private readonly windowMs: number,
    private readonly quietFlushMs: number,
    maxGapWindows: number,
    private readonly events: WindowScheduleEvents,
  ) {
    this.maxGapWindows = maxGapWindows;
  }

  /**
   * The window a packet of window `index` counts in; closes (through the events) the windows the
   * packet makes old, before it is counted.
   */
  target(index: number): number {
    const open = this.open;
    const n = open.length;
    if (n > 0) {
      const last = open[n - 1]!;
      if (index === last) return last;
      if (index > last) {
        while (open.length > 0 && open[0]! < index - 1) this.closeWindow(open.shift()!, false);
        open.push(index);
        return index;
      }
      for (let i = n - 2; i >= 0; i--) if (open[i] === index) return index;
      // within the grace window but not yet open (it was an empty gap): open it in order
      if (index === last - 1 && index >= this.nextToEmit) {
        open.splice(n - 1, 0, index);
        return index;
      }
      return open[0]!;
    }
    if (Number.isNaN(this.nextToEmit)) this.nextToEmit = index;
    const at = Math.max(index, this.nextToEmit);
    open.push(at);
    return at;
  }

  /** Closes, on the wall clock, every window that ended more than quietFlushMs before `nowWallMs`. */
  flushIdle(nowWallMs: number): void {
    if (Number.isNaN(this.nextToEmit)) return;
    const limit = Math.floor((nowWallMs - this.quietFlushMs) / this.windowMs);
    const open = this.open;
    while (open.length > 0 && open[0]! < limit) this.closeWindow(open.shift()!, true);
    if (open.length === 0) this.gapUntil(limit, true);
  }

  /** Closes every open window (end of the input). */
  flushAll(): void {
    const open = this.open;
    while (open.length > 0) this.closeWindow(open.shift()!, false);
  }

  private closeWindow(index: number, byClock: boolean): void {
    this.gapUntil(index, byClock);
    this.nextToEmit = index + 1;
    this.events.close(index, byClock);
  }

  /** Emits empty windows from nextToEmit up to (not including) `index`, at most maxGapWindows of them. */
  private gapUntil(index: number, byClock: boolean): void {
    if (Number.isNaN(this.nextToEmit) || index <= this.nextToEmit) return;
    const from = Math.max(this.nextToEmit, index - this.maxGapWindows);
    for (let i = from; i < index; i++) this.events.gap(i, byClock);
    this.nextToEmit = index;
  }
}
