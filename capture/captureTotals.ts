// Totals of capture files as capinfos/tshark count them: packets, bytes, timestamps, conversations.
import { openFileSource, type CaptureFileError } from './io/index.ts';
import { CapturePipeline, type CaptureTotals } from './pipeline.ts';

export interface DamagedFile {
  file: string;
  /** byte offset where the unreadable part starts */
  offset: number;
  message: string;
}

export interface FileTotals extends CaptureTotals {
  /** files that could not be read to the end; the packets before the damage are counted */
  damaged: DamagedFile[];
  /** notices about files read in full (records longer than their snaplen) */
  notices: string[];
  /** the files counted, in full or up to their damage, in the order given */
  filesRead: string[];
  /** the files of which nothing was counted (cannot open or read, not a capture file); each is in `damaged` */
  filesNotRead: string[];
}

/**
 * Reads `paths` (in order, `-` = stdin) and counts them. Flows never time out here, so `flows`
 * counts distinct bidirectional 5-tuples over the whole capture, as tshark's conversation tables do.
 */
export async function captureTotals(
  paths: string[],
  opts: { localNets?: string[]; flowCapacity?: number } = {},
): Promise<FileTotals> {
  const damaged: DamagedFile[] = [];
  const notices: string[] = [];
  const pipeline = new CapturePipeline(
    {
      sensor: 'stats',
      localNets: opts.localNets,
      // small at first, doubled as the capture needs: every flow is kept to the end
      flowCapacity: opts.flowCapacity ?? 65_536,
      growFlowTable: true,
      flowTimeouts: { tcpEstablishedMs: Infinity, tcpClosedMs: Infinity, udpMs: Infinity, icmpMs: Infinity, otherMs: Infinity },
      maxGapWindows: 0,
    },
    () => {},
  );
  const source = openFileSource(paths, {
    onFileError: (err: CaptureFileError) => damaged.push({ file: err.file, offset: err.offset, message: err.message }),
    onFileNotice: (message) => notices.push(message),
  });
  await pipeline.run(source);
  // a file's error at offset 0 came before any record of it (open, read or format errors)
  const notRead = new Set(damaged.filter((d) => d.offset === 0).map((d) => d.file));
  return {
    ...pipeline.totals(),
    damaged,
    notices,
    filesRead: paths.filter((p) => !notRead.has(p)),
    filesNotRead: paths.filter((p) => notRead.has(p)),
  };
}
