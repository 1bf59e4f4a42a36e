// The packet record every source yields, and the source interface the pipeline drives.

/**
 * One captured packet. Sources reuse the record and its buffer: valid only during the callback.
 * The bytes are `buffer[offset, offset + capLen)`; the pipeline reads them there, so that a reader
 * hands over a packet without creating a view of it. `data` is that view, for callers that want one.
 */
export interface PacketRecord {
  /** timestamp, whole seconds since the epoch */
  tsSec: number;
  /** timestamp, nanoseconds within the second (0 … 999 999 999): full ns precision without a bigint */
  tsNsec: number;
  /** length on the wire */
  origLen: number;
  /** bytes captured (= data.length) */
  capLen: number;
  /** the captured bytes, as a view of their own */
  readonly data: Uint8Array;
  /** the buffer holding the captured bytes, from `offset` on */
  buffer: Uint8Array;
  offset: number;
  /** LINKTYPE_* value (1 Ethernet, 113 SLL, 276 SLL2, 101 raw IP, 0 NULL, …) */
  linkType: number;
  /** interface index within the file (pcapng) or 0 */
  iface: number;
}

const NO_BYTES = new Uint8Array(0);

/** The record a source reuses for every packet: `data` is made only when somebody asks for it. */
export class ReusedPacketRecord implements PacketRecord {
  tsSec = 0;
  tsNsec = 0;
  origLen = 0;
  capLen = 0;
  buffer: Uint8Array = NO_BYTES;
  offset = 0;
  linkType = 0;
  iface = 0;

  get data(): Uint8Array {
    return this.buffer.subarray(this.offset, this.offset + this.capLen);
  }
}

/** A record over one whole frame (tests and tools that build packets themselves). */
export function frameRecord(frame: Uint8Array, tsSec: number, tsNsec: number, linkType = 1, origLen = frame.length): PacketRecord {
  return { tsSec, tsNsec, origLen, capLen: frame.length, data: frame, buffer: frame, offset: 0, linkType, iface: 0 };
}

/** Cumulative counters a live source reports; file sources report zeros. */
export interface SourceCounters {
  packetsDropped: number;
  packetsIfDropped: number;
}

export interface PacketSource {
  /** a name for messages: the file path, `-` or the interface */
  readonly name: string;
  readonly live: boolean;
  /**
   * Delivers every packet to `onPacket`, in order, and resolves when the source ends (end of the
   * files, or stop()). A damaged file rejects with a CaptureFileError after every packet before
   * the damage has been delivered.
   */
  run(onPacket: (packet: PacketRecord) => void): Promise<void>;
  stop(): void;
  counters(): SourceCounters;
}
