// Packet sources (capture files, stdin, live interfaces) and capture file writers.
export { CaptureFileError } from './captureFileError.ts';
export { detectCaptureFormat, FORMAT_PROBE_BYTES } from './captureFormat.ts';
export { parseSpeed, type Speed } from './speed.ts';
export { openFileSource, openStreamSource, type FileSourceOptions } from './fileSource.ts';
export { CaptureWriter, CaptureFileWriter } from './captureWriter.ts';
export type { CaptureWriterOptions, CaptureInterfaceOptions } from './recordEncoder.ts';
export { openLiveSource, listInterfaces, LiveCaptureError, type LiveSourceOptions, DEFAULT_LIVE_BUFFER_BYTES, LIVE_SNAPLEN } from './liveSource.ts';
export { preparePcapAddon } from './pcapBinding.ts';
