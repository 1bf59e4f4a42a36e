// Local hosts numbered once per engine, so detectors that keep something per host index typed
// arrays instead of each hashing every host's address in every window: the engine numbers a
// window's hosts once (one map lookup per host) and every detector reads the numbers. Numbers are
// never reused; they grow with the local hosts seen since the engine started (local addresses only).
import type { LocalHostStats } from '../capture/index.ts';

export class HostIndex {
  private readonly ids = new Map<string, number>();
  /** host address by number */
  readonly names: string[] = [];
  private numbers = new Int32Array(1024);

  get size(): number {
    return this.names.length;
  }

  /** The host's number, given one now if it had none. */
  idOf(host: string): number {
    let id = this.ids.get(host);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(host, id);
      this.names.push(host);
    }
    return id;
  }

  /** The host's number, or undefined when it was never numbered. */
  peek(host: string): number | undefined {
    return this.ids.get(host);
  }

  /** The numbers of `hosts`, in their order. The array is reused by the next call: read it before. */
  number(hosts: readonly LocalHostStats[]): Int32Array {
    if (hosts.length > this.numbers.length) this.numbers = new Int32Array(Math.max(hosts.length, this.numbers.length * 2));
    for (let k = 0; k < hosts.length; k++) this.numbers[k] = this.idOf(hosts[k]!.host);
    return this.numbers;
  }
}
