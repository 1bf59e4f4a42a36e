// Bidirectional flow table keyed by the 5-tuple without building strings: an open-addressing hash
// (linear probing, backward-shift deletion) over typed arrays, with one least-recently-seen list per
// timeout class so that expiry and eviction of the oldest-idle flow are O(1).
import { IP_PROTO, NETWORK, type DecodedPacket } from '../decode/decodedPacket.ts';
import { grown } from '../structures/grownArray.ts';
import { isServicePort } from './services.ts';

export interface FlowTimeouts {
  /** TCP flows not yet closed (also half-open ones), ms */
  tcpEstablishedMs: number;
  /** TCP flows after RST or FIN from both ends, ms */
  tcpClosedMs: number;
  udpMs: number;
  icmpMs: number;
  /** other IP protocols, ms */
  otherMs: number;
}

export const DEFAULT_FLOW_TIMEOUTS: FlowTimeouts = {
  tcpEstablishedMs: 300_000, tcpClosedMs: 10_000, udpMs: 60_000, icmpMs: 30_000, otherMs: 60_000,
};
export const DEFAULT_FLOW_CAPACITY = 1_000_000;

/** What FlowTable.track() found for a packet; the table reuses the record for its next packet. */
export interface FlowTrack {
  /** the flow's index (stable while the flow lives), -1 for a non-IP packet */
  flow: number;
  /** the packet created the flow */
  isNew: boolean;
  /** the packet was sent by the flow's initiator */
  fromInitiator: boolean;
}

/** TCP state bits kept per flow. */
export const TCP_STATE = {
  SYN: 1, SYN_ACK: 2, FIN_INITIATOR: 4, FIN_RESPONDER: 8, RST: 16, BASE_SEQ_A: 32, BASE_SEQ_B: 64,
} as const;

const CLASS_TCP_OPEN = 0;
const CLASS_TCP_CLOSED = 1;
const CLASS_UDP = 2;
const CLASS_ICMP = 3;
const CLASS_OTHER = 4;
const CLASSES = 5;
const KEY_WORDS = 10;
// Per-flow fields, side by side so that a flow's state is one or two cache lines rather than one
// line per field: numbers (times, counters, first sequence numbers) ...
const N_FIRST_MS = 0;
const N_LAST_MS = 1;
const N_PACKETS_INIT = 2;
const N_PACKETS_RESP = 3;
const N_BYTES_INIT = 4;
const N_BYTES_RESP = 5;
/** first sequence number seen from side A and side B (valid when TCP_STATE.BASE_SEQ_A/B is set) */
const N_BASE_SEQ_A = 6;
const N_BASE_SEQ_B = 7;
const N_STRIDE = 8;
// ... and integers: the key hash, the timeout-class list links, the responder's port (0 without
// ports), the timeout class, whether the canonical side A started the flow, TCP state bits.
const I_HASH = 0;
const I_PREV = 1;
const I_NEXT = 2;
const I_SERVER_PORT = 3;
const I_CLASS = 4;
const I_INITIATOR_IS_A = 5;
const I_TCP_STATE = 6;
const I_STRIDE = 8;
const EMPTY = -1;
const NONE = -1;
/** flow index bits in a slot (the rest hold hash bits) */
const MAX_FLOW_BITS = 28;
/** most flows a growable table grows to (about 200 bytes a flow) */
export const MAX_GROWN_CAPACITY = 2 ** 26;

export class FlowTable {
  /** flows held at once; a growable table doubles it when full, up to MAX_GROWN_CAPACITY */
  capacity: number;
  private readonly timeoutOf: Float64Array;
  private mask: number;
  /** slot: EMPTY, or the flow index in the low `flowBits` bits and the top bits of its key hash
   *  above them, so that a probe past other flows rarely reads memory of theirs; 4 bytes a slot
   *  keep the table small in cache */
  private slots: Int32Array;
  private flowBits: number;
  private flowMask: number;
  private keys: Uint32Array;
  private freeList: Int32Array;
  private freeTop: number;
  private readonly head = new Int32Array(CLASSES).fill(NONE);
  private readonly tail = new Int32Array(CLASSES).fill(NONE);
  /** per-flow numbers side by side: flow × N_STRIDE + N_* */
  private n: Float64Array;
  /** per-flow integers side by side: flow × I_STRIDE + I_* */
  private i: Int32Array;
  size = 0;
  /** flows removed because the table was full */
  evictions = 0;
  /** flows removed after their idle timeout */
  expirations = 0;
  /** flows ever created */
  created = 0;
  /** no flow expires before this event time (a lower bound, so most packets skip expire()) */
  private nextExpiryMs = Infinity;
  /** what track() returns, reused */
  private readonly tracked: FlowTrack = { flow: -1, isNew: false, fromInitiator: false };

  /** the responder's (server-side) port, 0 for protocols without ports */
  serverPort(flow: number): number {
    return this.i[flow * I_STRIDE + I_SERVER_PORT]!;
  }

  /** TCP_STATE bits */
  tcpState(flow: number): number {
    return this.i[flow * I_STRIDE + I_TCP_STATE]!;
  }

  /** packets and bytes from the initiator and from the responder */
  packetsFromInitiator(flow: number): number {
    return this.n[flow * N_STRIDE + N_PACKETS_INIT]!;
  }

  packetsFromResponder(flow: number): number {
    return this.n[flow * N_STRIDE + N_PACKETS_RESP]!;
  }

  bytesFromInitiator(flow: number): number {
    return this.n[flow * N_STRIDE + N_BYTES_INIT]!;
  }

  bytesFromResponder(flow: number): number {
    return this.n[flow * N_STRIDE + N_BYTES_RESP]!;
  }

  /** event times of the flow's first and latest packet, ms */
  firstSeenMs(flow: number): number {
    return this.n[flow * N_STRIDE + N_FIRST_MS]!;
  }

  lastSeenMs(flow: number): number {
    return this.n[flow * N_STRIDE + N_LAST_MS]!;
  }

  /**
   * `growable`: when full, the table doubles instead of evicting (until MAX_GROWN_CAPACITY), so
   * that counting a whole capture (`spanwatch stats`) sees every flow; the sensor's table is bounded.
   */
  constructor(capacity = DEFAULT_FLOW_CAPACITY, timeouts: FlowTimeouts = DEFAULT_FLOW_TIMEOUTS, private readonly growable = false) {
    if (!(capacity >= 1)) throw new Error(`flow table capacity must be at least 1 (got ${capacity})`);
    this.capacity = capacity;
    this.timeoutOf = Float64Array.from([
      timeouts.tcpEstablishedMs, timeouts.tcpClosedMs, timeouts.udpMs, timeouts.icmpMs, timeouts.otherMs,
    ]);
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size).fill(EMPTY);
    this.flowBits = Math.max(1, Math.ceil(Math.log2(capacity)));
    if (this.flowBits > MAX_FLOW_BITS) throw new Error(`flow table capacity ${capacity} is too large (at most ${2 ** MAX_FLOW_BITS})`);
    this.flowMask = 2 ** this.flowBits - 1;
    this.keys = new Uint32Array(capacity * KEY_WORDS);
    this.freeList = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeList[i] = capacity - 1 - i;
    this.freeTop = capacity;
    this.n = new Float64Array(capacity * N_STRIDE);
    this.i = new Int32Array(capacity * I_STRIDE);
  }

  /**
   * Finds or creates the flow of an IP packet and counts the packet in it; returns its flow (-1 for
   * a non-IP packet), whether the packet created it and whether its initiator sent it, in a record
   * valid until the next call.
   */
  track(p: DecodedPacket): FlowTrack {
    const tracked = this.tracked;
    if (p.network !== NETWORK.IPV4 && p.network !== NETWORK.IPV6) {
      tracked.flow = -1;
      tracked.isNew = false;
      tracked.fromInitiator = false;
      return tracked;
    }
    const now = p.tsMs;
    if (now > this.nextExpiryMs) this.expire(now);
    const s = p.src;
    const d = p.dst;
    const sport = p.hasPorts ? p.sport : 0;
    const dport = p.hasPorts ? p.dport : 0;
    // canonical order: side A is the smaller (address, port)
    let srcIsA = true;
    for (let i = 0; i < 4; i++) {
      if (s[i] !== d[i]) {
        srcIsA = s[i]! < d[i]!;
        break;
      }
      if (i === 3) srcIsA = sport <= dport;
    }
    const a = srcIsA ? s : d;
    const b = srcIsA ? d : s;
    const ports = (srcIsA ? ((sport << 16) | dport) : ((dport << 16) | sport)) >>> 0;
    const meta = (p.network << 8) | p.proto;
    let h = Math.imul(meta ^ 0x9e3779b9, 0x85ebca6b) ^ ports;
    // IPv4 words 1–3 are always zero: hashing them would only cost time (meta keeps families apart)
    const words = p.network === NETWORK.IPV4 ? 1 : 4;
    for (let i = 0; i < words; i++) {
      h = Math.imul(h ^ a[i]!, 0xcc9e2d51);
      h = (h << 13) | (h >>> 19);
      h = Math.imul(h ^ b[i]!, 0x1b873593);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h = (h ^ (h >>> 13)) >>> 0;
    const keys = this.keys;
    const slots = this.slots;
    const flowBits = this.flowBits;
    const flowMask = this.flowMask;
    // the hash's top bits (the low ones chose the slot)
    const tag = h >>> (flowBits + 1);
    let slot = h & this.mask;
    let e = slots[slot]!;
    let flow = EMPTY;
    let isNew = false;
    while (e !== EMPTY) {
      if (e >>> flowBits === tag) {
        const f = e & flowMask;
        const k = f * KEY_WORDS;
        if (keys[k + 8] === ports && keys[k + 9] === meta
          && keys[k] === a[0] && keys[k + 1] === a[1] && keys[k + 2] === a[2] && keys[k + 3] === a[3]
          && keys[k + 4] === b[0] && keys[k + 5] === b[1] && keys[k + 6] === b[2] && keys[k + 7] === b[3]) {
          flow = f;
          break;
        }
      }
      slot = (slot + 1) & this.mask;
      e = slots[slot]!;
    }
    if (flow !== EMPTY && p.proto === IP_PROTO.TCP && (p.tcpFlags & 0x12) === 0x02 && p.hasPorts && this.isPortReuse(flow, srcIsA, p.tcpSeq)) {
      // a SYN with another initial sequence number on a known 5-tuple is a new connection reusing
      // the ports: a new flow (tshark starts a new TCP stream on the same rule)
      this.remove(flow);
      flow = EMPTY;
      slot = h & this.mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    }
    if (flow === EMPTY) {
      if (this.freeTop === 0 && this.growable && this.capacity < MAX_GROWN_CAPACITY) {
        this.grow();
        // the packet is not counted yet: find its place in the grown table
        return this.track(p);
      }
      if (this.freeTop === 0) {
        this.evictOldest();
        // the eviction may have shifted entries into our probe path: find the first empty slot again
        slot = h & this.mask;
        while (slots[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      }
      flow = this.freeList[--this.freeTop]!;
      slots[slot] = (tag << flowBits) | flow;
      const k = flow * KEY_WORDS;
      for (let i = 0; i < 4; i++) {
        keys[k + i] = a[i]!;
        keys[k + 4 + i] = b[i]!;
      }
      keys[k + 8] = ports;
      keys[k + 9] = meta;
      this.i[flow * I_STRIDE + I_HASH] = h;
      const srcInit = this.senderInitiates(p, sport, dport);
      this.i[flow * I_STRIDE + I_INITIATOR_IS_A] = srcInit === srcIsA ? 1 : 0;
      this.i[flow * I_STRIDE + I_SERVER_PORT] = srcInit ? dport : sport;
      this.i[flow * I_STRIDE + I_TCP_STATE] = 0;
      this.n[flow * N_STRIDE + N_FIRST_MS] = now;
      this.n[flow * N_STRIDE + N_PACKETS_INIT] = 0;
      this.n[flow * N_STRIDE + N_PACKETS_RESP] = 0;
      this.n[flow * N_STRIDE + N_BYTES_INIT] = 0;
      this.n[flow * N_STRIDE + N_BYTES_RESP] = 0;
      const c = p.proto === IP_PROTO.TCP ? CLASS_TCP_OPEN : p.proto === IP_PROTO.UDP ? CLASS_UDP
        : p.proto === IP_PROTO.ICMP || p.proto === IP_PROTO.ICMPV6 ? CLASS_ICMP : CLASS_OTHER;
      this.i[flow * I_STRIDE + I_CLASS] = c;
      this.n[flow * N_STRIDE + N_LAST_MS] = now;
      this.linkTail(flow, c);
      this.size++;
      this.created++;
      isNew = true;
    } else {
      const c = this.i[flow * I_STRIDE + I_CLASS]!;
      // a burst of one flow leaves it at the tail: nothing to move
      if (this.tail[c] !== flow) {
        this.unlink(flow);
        this.linkTail(flow, c);
      }
    }
    if (now > this.n[flow * N_STRIDE + N_LAST_MS]! || isNew) this.n[flow * N_STRIDE + N_LAST_MS] = now;
    const fromInit = (this.i[flow * I_STRIDE + I_INITIATOR_IS_A] === 1) === srcIsA;
    if (fromInit) {
      this.n[flow * N_STRIDE + N_PACKETS_INIT]!++;
      this.n[flow * N_STRIDE + N_BYTES_INIT]! += p.wireLen;
    } else {
      this.n[flow * N_STRIDE + N_PACKETS_RESP]!++;
      this.n[flow * N_STRIDE + N_BYTES_RESP]! += p.wireLen;
    }
    if (p.proto === IP_PROTO.TCP && p.hasPorts) {
      this.updateTcp(flow, p.tcpFlags, fromInit);
      const bit = srcIsA ? TCP_STATE.BASE_SEQ_A : TCP_STATE.BASE_SEQ_B;
      if ((this.i[flow * I_STRIDE + I_TCP_STATE]! & bit) === 0) {
        this.i[flow * I_STRIDE + I_TCP_STATE]! |= bit;
        this.n[flow * N_STRIDE + (srcIsA ? N_BASE_SEQ_A : N_BASE_SEQ_B)] = (p.tcpFlags & 0x02) !== 0 ? p.tcpSeq : (p.tcpSeq - 1) >>> 0;
      }
    }
    tracked.flow = flow;
    tracked.isNew = isNew;
    tracked.fromInitiator = fromInit;
    return tracked;
  }

  /** Whether the sender of the first packet of a flow is its initiator. */
  private senderInitiates(p: DecodedPacket, sport: number, dport: number): boolean {
    if (p.proto === IP_PROTO.TCP && p.hasPorts && (p.tcpFlags & 0x02) !== 0) return (p.tcpFlags & 0x10) === 0;
    if (p.proto === IP_PROTO.ICMP) return p.icmpType !== 0;
    if (p.proto === IP_PROTO.ICMPV6) return p.icmpType !== 129;
    if (sport === dport || !p.hasPorts) return true;
    if (isServicePort(dport)) return true;
    if (isServicePort(sport)) return false;
    return dport < sport;
  }

  private updateTcp(flow: number, flags: number, fromInit: boolean): void {
    let st = this.i[flow * I_STRIDE + I_TCP_STATE]!;
    if ((flags & 0x12) === 0x02) st |= TCP_STATE.SYN;
    if ((flags & 0x12) === 0x12) st |= TCP_STATE.SYN_ACK;
    if ((flags & 0x01) !== 0) st |= fromInit ? TCP_STATE.FIN_INITIATOR : TCP_STATE.FIN_RESPONDER;
    if ((flags & 0x04) !== 0) st |= TCP_STATE.RST;
    this.i[flow * I_STRIDE + I_TCP_STATE] = st;
    if (this.i[flow * I_STRIDE + I_CLASS] === CLASS_TCP_OPEN && this.isClosed(flow)) {
      this.unlink(flow);
      this.i[flow * I_STRIDE + I_CLASS] = CLASS_TCP_CLOSED;
      this.linkTail(flow, CLASS_TCP_CLOSED);
    }
  }

  private isPortReuse(flow: number, srcIsA: boolean, seq: number): boolean {
    const bit = srcIsA ? TCP_STATE.BASE_SEQ_A : TCP_STATE.BASE_SEQ_B;
    return (this.i[flow * I_STRIDE + I_TCP_STATE]! & bit) !== 0 && this.n[flow * N_STRIDE + (srcIsA ? N_BASE_SEQ_A : N_BASE_SEQ_B)] !== seq;
  }

  /** RST seen, or FIN from both ends. */
  isClosed(flow: number): boolean {
    const st = this.i[flow * I_STRIDE + I_TCP_STATE]!;
    return (st & TCP_STATE.RST) !== 0
      || (st & (TCP_STATE.FIN_INITIATOR | TCP_STATE.FIN_RESPONDER)) === (TCP_STATE.FIN_INITIATOR | TCP_STATE.FIN_RESPONDER);
  }

  /** Expires flows as a packet at event time `nowMs` would (a shard follows the other shards' packet times). */
  advanceClock(nowMs: number): void {
    if (nowMs > this.nextExpiryMs) this.expire(nowMs);
  }

  /** Removes every flow idle for longer than its class's timeout at event time `nowMs`. */
  expire(nowMs: number): void {
    let next = Infinity;
    for (let c = 0; c < CLASSES; c++) {
      const timeout = this.timeoutOf[c]!;
      const limit = nowMs - timeout;
      let f = this.head[c]!;
      while (f !== NONE && this.n[f * N_STRIDE + N_LAST_MS]! < limit) {
        this.remove(f);
        this.expirations++;
        f = this.head[c]!;
      }
      if (f !== NONE && this.n[f * N_STRIDE + N_LAST_MS]! + timeout < next) next = this.n[f * N_STRIDE + N_LAST_MS]! + timeout;
    }
    this.nextExpiryMs = next;
  }

  /** Lowers the expiry bound for a flow that became the head of its class's list. */
  private headChanged(flow: number, c: number): void {
    const due = this.n[flow * N_STRIDE + N_LAST_MS]! + this.timeoutOf[c]!;
    if (due < this.nextExpiryMs) this.nextExpiryMs = due;
  }

  /** Doubles the table (a growable one that is full): flow indexes stay, the slots are rebuilt. */
  private grow(): void {
    const old = this.capacity;
    const cap = old * 2;
    this.keys = grown(this.keys, cap * KEY_WORDS);
    this.n = grown(this.n, cap * N_STRIDE);
    const ints = grown(this.i, cap * I_STRIDE);
    this.i = ints;
    // every old index is in use (the table was full): the new ones are free, lowest first
    this.freeList = new Int32Array(cap);
    for (let j = 0; j < cap - old; j++) this.freeList[j] = cap - 1 - j;
    this.freeTop = cap - old;
    this.capacity = cap;
    let size = this.mask + 1;
    while (size < cap * 2) size *= 2;
    const mask = size - 1;
    const flowBits = Math.ceil(Math.log2(cap));
    const slots = new Int32Array(size).fill(EMPTY);
    for (let f = 0; f < old; f++) {
      const h = ints[f * I_STRIDE + I_HASH]! >>> 0;
      let slot = h & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = ((h >>> (flowBits + 1)) << flowBits) | f;
    }
    this.slots = slots;
    this.mask = mask;
    this.flowBits = flowBits;
    this.flowMask = 2 ** flowBits - 1;
  }

  private evictOldest(): void {
    let victim = NONE;
    for (let c = 0; c < CLASSES; c++) {
      const f = this.head[c]!;
      if (f !== NONE && (victim === NONE || this.n[f * N_STRIDE + N_LAST_MS]! < this.n[victim * N_STRIDE + N_LAST_MS]!)) victim = f;
    }
    if (victim === NONE) return;
    this.remove(victim);
    this.evictions++;
  }

  private remove(flow: number): void {
    this.unlink(flow);
    const m = this.mask;
    const slots = this.slots;
    const flowMask = this.flowMask;
    let i = this.i[flow * I_STRIDE + I_HASH]! & m;
    while (slots[i] === EMPTY || (slots[i]! & flowMask) !== flow) i = (i + 1) & m;
    // backward-shift deletion keeps every probe chain unbroken without tombstones
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const e = slots[j]!;
      if (e === EMPTY) break;
      const home = this.i[(e & flowMask) * I_STRIDE + I_HASH]! & m;
      const movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
      if (movable) {
        slots[i] = e;
        i = j;
      }
    }
    slots[i] = EMPTY;
    this.freeList[this.freeTop++] = flow;
    this.size--;
  }

  private linkTail(flow: number, c: number): void {
    const t = this.tail[c]!;
    this.i[flow * I_STRIDE + I_PREV] = t;
    this.i[flow * I_STRIDE + I_NEXT] = NONE;
    if (t === NONE) {
      this.head[c] = flow;
      this.headChanged(flow, c);
    } else {
      this.i[t * I_STRIDE + I_NEXT] = flow;
    }
    this.tail[c] = flow;
  }

  private unlink(flow: number): void {
    const c = this.i[flow * I_STRIDE + I_CLASS]!;
    const p = this.i[flow * I_STRIDE + I_PREV]!;
    const n = this.i[flow * I_STRIDE + I_NEXT]!;
    if (p === NONE) {
      this.head[c] = n;
      if (n !== NONE) this.headChanged(n, c);
    } else {
      this.i[p * I_STRIDE + I_NEXT] = n;
    }
    if (n === NONE) this.tail[c] = p;
    else this.i[n * I_STRIDE + I_PREV] = p;
  }
}
