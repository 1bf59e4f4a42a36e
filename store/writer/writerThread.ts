// The writer thread: a LineProtocolWriter that takes lines already encoded on the sensor's thread, so
// batching, HTTP, the spool and its replay run beside capture instead of inside its event loop.
// It reports its counters back, and its log lines, which the sensor's thread prints.
import { parentPort, workerData } from 'node:worker_threads';
import type { PointTarget } from '../point.ts';
import { LineProtocolWriter, type InfluxWriterOptions, type WriterCounters, type WriterLogLevel } from './lineProtocolWriter.ts';

/** InfluxWriterOptions without the log function (a function cannot cross threads). */
export type WriterThreadOptions = Omit<InfluxWriterOptions, 'log'>;

/** What the writer thread reports about itself. */
export interface WriterSnapshot {
  counters: WriterCounters;
  lastError: string | undefined;
  /** LineProtocolWriter.dropReportTotal */
  dropReportTotal: number;
  /** lines received so far (the difference to lines sent is still on its way) */
  received: number;
}

export type ToWriterThread =
  | { t: 'lines'; target: PointTarget; body: Uint8Array; lines: number; reportsDrops: number }
  | { t: 'flush'; id: number; timeoutMs: number }
  | { t: 'close'; timeoutMs: number };

export type FromWriterThread =
  | { t: 'ready'; snapshot: WriterSnapshot }
  | { t: 'failed'; message: string }
  | { t: 'snapshot'; snapshot: WriterSnapshot }
  | { t: 'log'; level: WriterLogLevel; message: string; snapshot: WriterSnapshot }
  | { t: 'flushed'; id: number; ok: boolean; snapshot: WriterSnapshot }
  | { t: 'closed'; snapshot: WriterSnapshot };

/** how often changed counters are sent back */
const SNAPSHOT_MS = 100;

function run(): void {
  const port = parentPort;
  if (!port) throw new Error('writerThread.ts runs as a worker thread (see ThreadedInfluxWriter)');
  const post = (m: FromWriterThread): void => port.postMessage(m);
  let received = 0;
  let writer: LineProtocolWriter | undefined;
  const snapshot = (): WriterSnapshot => ({
    counters: writer!.counters, lastError: writer!.lastError, dropReportTotal: writer!.dropReportTotal, received,
  });
  try {
    writer = new LineProtocolWriter({
      ...(workerData as WriterThreadOptions),
      // During construction (spool replay notice) the writer is not assigned yet.
      log: (level, message) => post({ t: 'log', level, message, snapshot: writer ? snapshot() : emptySnapshot() }),
    });
  } catch (err) {
    post({ t: 'failed', message: (err as Error).message });
    port.close();
    return;
  }
  const w = writer;
  let last = '';
  const timer = setInterval(() => {
    const s = snapshot();
    const key = JSON.stringify(s);
    if (key !== last) post({ t: 'snapshot', snapshot: s });
    last = key;
  }, SNAPSHOT_MS);
  post({ t: 'ready', snapshot: snapshot() });
  port.on('message', (m: ToWriterThread) => {
    switch (m.t) {
      case 'lines':
        received += m.lines;
        w.writeEncoded(m.target, m.body, m.lines, m.reportsDrops);
        break;
      case 'flush':
        void w.flush(m.timeoutMs).then((ok) => post({ t: 'flushed', id: m.id, ok, snapshot: snapshot() }));
        break;
      case 'close':
        clearInterval(timer);
        void w.close(m.timeoutMs).then(() => {
          post({ t: 'closed', snapshot: snapshot() });
          port.close();
        });
        break;
    }
  });
}

function emptySnapshot(): WriterSnapshot {
  return {
    counters: { queued: 0, spooled: 0, written: 0, retried: 0, dropped: 0, rejected: 0, spooledTotal: 0 },
    lastError: undefined, dropReportTotal: 0, received: 0,
  };
}

run();
