// The packet record every source yields, and the source interface the pipeline drives.

/** One captured packet. Sources reuse the record and its `data` view: valid only during the callback. */
export interface PacketRecord {
  /** timestamp, whole seconds since the epoch */
  tsSec: number;
  /** timestamp, nanoseconds within the second (0 … 999 999 999): full ns precision without a bigint */
  tsNsec: number;
  /** length on the wire */
  origLen: number;
  /** bytes captured (= data.length) */
  capLen: number;
  data: Uint8Array;
  /** LINKTYPE_* value (1 Ethernet, 113 SLL, 276 SLL2, 101 raw IP, 0 NULL, …) */
  linkType: number;
  /** interface index within the file (pcapng) or 0 */
  iface: number;
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
