// A fixed-capacity FIFO that evicts the oldest entry and remembers the highest id it evicted.
export class BoundedRing<T extends { message: { id: number } }> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private size = 0;
  /** the highest id evicted so far: everything after it is still held */
  floor = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    if (this.size === this.capacity) {
      const old = this.items[this.head]!;
      this.floor = old.message.id;
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
      return;
    }
    this.items[(this.head + this.size) % this.capacity] = item;
    this.size++;
  }

  /** true when every entry with an id greater than `lastId` is still held */
  covers(lastId: number): boolean {
    return lastId >= this.floor;
  }

  after(lastId: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) {
      const item = this.items[(this.head + i) % this.capacity]!;
      if (item.message.id > lastId) out.push(item);
    }
    return out;
  }

  get length(): number {
    return this.size;
  }
}
