// WindowAddresses against plain Sets and Maps: per-direction distinct counts, per-host peer counts
// (inline first host plus the host's own set), remote-endpoint states, growth, the address limit,
// and reuse after clear().
import { describe, expect, it } from 'vitest';
import { WindowAddresses } from '../../capture/windows/windowAddresses.ts';
import { LocalHostAccumulator } from '../../capture/windows/endpointAccumulators.ts';
import { NumberSet } from '../../capture/structures/numberSet.ts';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x;
  };
}

function host(): LocalHostAccumulator {
  return new LocalHostAccumulator(false, new Uint32Array(4), new NumberSet(1 << 20), new NumberSet(1 << 20));
}

describe('WindowAddresses', () => {
  it('counts what Sets count, window after window, small and large', () => {
    const next = rng(11);
    const table = new WindowAddresses(1 << 20);
    const hosts = Array.from({ length: 5 }, host);
    for (let window = 0; window < 40; window++) {
      const dirRef = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
      const peerRef = hosts.map(() => new Set<number>());
      const remoteRef = new Map<number, number>();
      const ops = window % 8 === 5 ? 60_000 : next() % 400;
      // small key ranges repeat addresses (and exercise the lookup memo); wide ones need two words
      const range = window % 2 === 0 ? 700 : 2 ** 53 - 2;
      for (let i = 0; i < ops; i++) {
        const key = range < 2 ** 32 ? next() % range : (next() * 2 ** 21 + (next() % 2 ** 21)) % range;
        const slot = table.slot(key);
        if (slot < 0) throw new Error(`window ${window}: no slot for ${key}`);
        const dir = next() % 4;
        table.countDirection(key, dir);
        dirRef[dir]!.add(key);
        const h = next() % 7;
        if (h < hosts.length) {
          table.addPeer(key, h, hosts[h]!);
          peerRef[h]!.add(key);
        }
        if (next() % 3 === 0) {
          const known = table.remote(table.slot(key));
          const want = remoteRef.get(key) ?? -2;
          if (known !== want) throw new Error(`window ${window}: remote of ${key} is ${known}, not ${want}`);
          if (want === -2) {
            const index = next() % 5 === 0 ? -1 : remoteRef.size;
            table.setRemote(table.slot(key), index);
            remoteRef.set(key, index);
          }
        }
      }
      for (let d = 0; d < 4; d++) expect(table.directionCounts[d]).toBe(dirRef[d]!.size);
      hosts.forEach((h, i) => expect(h.peersInline + h.peerSet.size).toBe(peerRef[i]!.size));
      const all = new Set([...dirRef.flatMap((s) => [...s]), ...peerRef.flatMap((s) => [...s])]);
      expect(table.size).toBe(all.size);
      table.clear();
      for (const h of hosts) {
        h.peerSet.clear();
        h.reset(false, new Uint32Array(4));
      }
      expect(table.size).toBe(0);
      expect([...table.directionCounts]).toEqual([0, 0, 0, 0]);
      // a cleared table has forgotten every address, remote state included
      for (const k of [...remoteRef.keys()].slice(0, 20)) expect(table.remote(table.slot(k))).toBe(-2);
      table.clear();
    }
  });

  it('holds at most `limit` addresses; later ones are not counted and have no remote entry', () => {
    const table = new WindowAddresses(100);
    const h = host();
    for (let k = 0; k < 150; k++) {
      const slot = table.slot(k * 7919);
      if (k < 100) expect(slot).toBeGreaterThanOrEqual(0);
      else expect(slot).toBe(-1);
      table.countDirection(k * 7919, 1);
      table.addPeer(k * 7919, 0, h);
    }
    expect(table.size).toBe(100);
    expect(table.directionCounts[1]).toBe(100);
    // a peer beyond the table's limit is still counted for its host, in the host's own set
    expect(h.peersInline).toBe(100);
    expect(h.peersInline + h.peerSet.size).toBe(150);
    expect(table.remote(-1)).toBe(-1);
    // addresses already held stay usable
    expect(table.remote(table.slot(0))).toBe(-2);
  });
});
