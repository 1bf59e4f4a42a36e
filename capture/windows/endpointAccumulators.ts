// Per-window counters of one local host and of one remote endpoint. A window keeps the objects of
// the window before it and re-initialises them (reset), so the many short windows of a busy capture
// do not each allocate a fresh object per host.
import { addressText } from '../structures/addressText.ts';
import type { NumberSet } from '../structures/numberSet.ts';

/** An address kept as numbers; its text is built only for the hosts that make the top K. */
class AddressWords {
  v6 = false;
  private w0 = 0;
  private w1 = 0;
  private w2 = 0;
  private w3 = 0;

  protected setAddress(v6: boolean, w: Uint32Array): void {
    this.v6 = v6;
    this.w0 = w[0]!;
    this.w1 = w[1]!;
    this.w2 = w[2]!;
    this.w3 = w[3]!;
  }

  get host(): string {
    return addressText(this.v6, [this.w0, this.w1, this.w2, this.w3]);
  }
}

export class LocalHostAccumulator extends AddressWords {
  bytesOut = 0;
  bytesIn = 0;
  packetsOut = 0;
  packetsIn = 0;
  flows = 0;
  flowsStarted = 0;
  tcpSyn = 0;
  tcpSynUnanswered = 0;
  tcpRstReceived = 0;
  dnsQueries = 0;
  dnsNxdomain = 0;
  /** peers counted in the window's address table (WindowAddresses.addPeer); the others are in peerSet */
  peersInline = 0;
  /** what this host sent to remote (non-local) addresses: the part of bytesOut that left the network */
  bytesToRemote = 0;
  packetsToRemote = 0;
  /** position of the packet that created the entry (2 × packet sequence number, + 1 as the receiver): orders ties */
  firstSeq = 0;
  /** bytes sent to each remote address in the window, in the order first sent to (see sentToRemote) */
  private readonly remoteIndex = new Map<number, number>();
  private readonly remoteBytes: number[] = [];
  private readonly remoteSeqs: number[] = [];
  /** the remote addresses: a v6 flag and four words each */
  private readonly remoteWords: number[] = [];
  /** the remote that received the most bytes so far (ties: the one sent to first), -1 = none */
  private topRemote = -1;

  /** `peerSet` and `portSet` stay with the object and are cleared with it */
  constructor(v6: boolean, w: Uint32Array, readonly peerSet: NumberSet, readonly portSet: NumberSet) {
    super();
    this.setAddress(v6, w);
  }

  /** Makes this a fresh accumulator for another host (its sets must already be cleared). */
  reset(v6: boolean, w: Uint32Array): void {
    this.setAddress(v6, w);
    this.bytesOut = 0;
    this.bytesIn = 0;
    this.packetsOut = 0;
    this.packetsIn = 0;
    this.flows = 0;
    this.flowsStarted = 0;
    this.tcpSyn = 0;
    this.tcpSynUnanswered = 0;
    this.tcpRstReceived = 0;
    this.dnsQueries = 0;
    this.dnsNxdomain = 0;
    this.peersInline = 0;
    this.bytesToRemote = 0;
    this.packetsToRemote = 0;
    this.firstSeq = 0;
    if (this.remoteBytes.length > 0) {
      this.remoteIndex.clear();
      this.remoteBytes.length = 0;
      this.remoteSeqs.length = 0;
      this.remoteWords.length = 0;
    }
    this.topRemote = -1;
  }

  /**
   * The index of remote address `key` among those this host sent to in the window, added on first
   * sight (`seq`: the packet's sequence number). A flow remembers it, so most packets skip the lookup.
   */
  remoteEntry(key: number, v6: boolean, w: Uint32Array, seq: number): number {
    const known = this.remoteIndex.get(key);
    if (known !== undefined) return known;
    const i = this.remoteBytes.length;
    this.remoteIndex.set(key, i);
    this.remoteBytes.push(0);
    this.remoteSeqs.push(seq);
    this.remoteWords.push(v6 ? 1 : 0, w[0]!, w[1]!, w[2]!, w[3]!);
    return i;
  }

  /** Counts `bytes` sent to the remote of entry `remote` (from remoteEntry()). */
  sentToRemote(remote: number, bytes: number): void {
    this.bytesToRemote += bytes;
    this.packetsToRemote++;
    const sent = (this.remoteBytes[remote] = this.remoteBytes[remote]! + bytes);
    const top = this.topRemote;
    // entries are added in packet order, so the lower index is the one sent to first
    if (top < 0 || sent > this.remoteBytes[top]! || (sent === this.remoteBytes[top]! && remote < top)) this.topRemote = remote;
  }

  /** The remote address that received the most bytes in the window (ties: the first sent to); undefined when none. */
  get topRemoteHost(): string | undefined {
    const t = this.topRemote;
    if (t < 0) return undefined;
    const w = this.remoteWords;
    return addressText(w[5 * t] === 1, [w[5 * t + 1]!, w[5 * t + 2]!, w[5 * t + 3]!, w[5 * t + 4]!]);
  }

  /** bytes the top remote received, and the sequence number of the first packet sent to it (0, 0 when none) */
  get topRemoteBytes(): number {
    return this.topRemote < 0 ? 0 : this.remoteBytes[this.topRemote]!;
  }

  get topRemoteSeq(): number {
    return this.topRemote < 0 ? 0 : this.remoteSeqs[this.topRemote]!;
  }
}

export class RemoteEndpointAccumulator extends AddressWords {
  bytesOut = 0;
  bytesIn = 0;
  packets = 0;
  flows = 0;
  localHosts = 0;
  topPort = 0;
  /** weighted majority vote over bytes per server port (exact when one port carries > half the bytes) */
  portWeight = 0;
  firstLocal = -1;
  localSet: Set<number> | null = null;
  /** sequence number of the packet that created the entry: orders ties */
  firstSeq = 0;

  constructor(v6: boolean, w: Uint32Array) {
    super();
    this.setAddress(v6, w);
  }

  /** Makes this a fresh accumulator for another endpoint. */
  reset(v6: boolean, w: Uint32Array): void {
    this.setAddress(v6, w);
    this.bytesOut = 0;
    this.bytesIn = 0;
    this.packets = 0;
    this.flows = 0;
    this.localHosts = 0;
    this.topPort = 0;
    this.portWeight = 0;
    this.firstLocal = -1;
    this.localSet = null;
    this.firstSeq = 0;
  }

  addLocal(key: number, limit: number): void {
    if (this.firstLocal < 0) {
      this.firstLocal = key;
      this.localHosts = 1;
    } else if (key !== this.firstLocal) {
      if (this.localSet === null) this.localSet = new Set([this.firstLocal]);
      if (this.localSet.size < limit) this.localSet.add(key);
      this.localHosts = this.localSet.size;
    }
  }

  voteForPort(port: number, bytes: number): void {
    if (port === this.topPort) this.portWeight += bytes;
    else if (this.portWeight >= bytes) this.portWeight -= bytes;
    else {
      this.topPort = port;
      this.portWeight = bytes - this.portWeight;
    }
  }
}
