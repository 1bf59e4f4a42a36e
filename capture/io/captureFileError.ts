// The one error a file source raises for input it cannot read: names the file and where it broke.

export class CaptureFileError extends Error {
  /** the path as given, or `-` for stdin */
  readonly file: string;
  /** byte offset in the file where the unreadable part starts (0 for open/format errors) */
  readonly offset: number;

  constructor(file: string, offset: number, message: string) {
    super(message);
    this.name = 'CaptureFileError';
    this.file = file;
    this.offset = offset;
  }
}

export const FORMATS_READ = 'pcap (µs/ns, either byte order), pcapng';

export function hexPreview(bytes: Uint8Array, max = 16): string {
  let out = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) out += (i > 0 ? ' ' : '') + bytes[i]!.toString(16).padStart(2, '0');
  return out === '' ? '(none)' : out;
}

export function notCaptureFile(file: string, head: Uint8Array): CaptureFileError {
  return new CaptureFileError(
    file,
    0,
    `${file}: not a capture file (read: ${FORMATS_READ}); first bytes: ${hexPreview(head)}`,
  );
}

export function corruptRecord(file: string, offset: number, what: string, packetsBefore: number): CaptureFileError {
  const packets = packetsBefore === 1 ? 'the 1 packet before it was read' : `the ${packetsBefore} packets before it were read`;
  return new CaptureFileError(
    file,
    offset,
    `${file}: truncated or corrupt record at byte offset ${offset} (${what}); ${packets}`,
  );
}
