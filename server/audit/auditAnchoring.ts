// Periodic checkpoints of the audit log: every few minutes (and when the server stops) the head —
// seq and hash — goes to the anchor store (InfluxDB) and to syslog when configured. A verifier that
// holds the latest anchor detects entries removed from the end of the log, which the chain alone
// cannot show.
import { hostname } from 'node:os';
import type { SyslogSink } from '../alerts/syslogSink.ts';
import type { AuditAnchorStore } from '../ports.ts';
import type { AuditAnchor } from '../protocol.ts';
import type { AuditLog } from './auditLog.ts';

const FACILITY_AUTHPRIV = 10;
const SEVERITY_NOTICE = 5;

export function formatAnchorSyslog(a: AuditAnchor, host = hostname()): string {
  const pri = FACILITY_AUTHPRIV * 8 + SEVERITY_NOTICE;
  const hostField = host.replace(/[^\x21-\x7e]/g, '') || '-';
  return `<${pri}>1 ${new Date(a.at).toISOString()} ${hostField} spanwatch - audit-anchor [spanwatch@32473 ledger="${a.ledger}" seq="${a.seq}" hash="${a.hash}"] audit log head at seq ${a.seq}`;
}

export interface AnchoringOptions {
  store?: AuditAnchorStore | null;
  syslog?: SyslogSink | null;
  everyMs?: number;
  warn: (message: string) => void;
}

export class AuditAnchoring {
  private last: AuditAnchor | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly log: AuditLog, private readonly opts: AnchoringOptions) {}

  start(): void {
    if (!this.opts.store && !this.opts.syslog) return;
    this.timer = setInterval(() => { void this.anchorNow(); }, this.opts.everyMs ?? 5 * 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Writes an anchor when the head moved since the last one; returns the newest anchor. */
  async anchorNow(): Promise<AuditAnchor | null> {
    if (!this.opts.store && !this.opts.syslog) return null;
    let anchor: AuditAnchor;
    try {
      const head = this.log.head();
      if (!head) return null;
      if (this.last?.seq === head.seq && this.last.hash === head.hash) return this.last;
      anchor = { ledger: this.log.ledger(), seq: head.seq, hash: head.hash, at: Date.now() };
    } catch (err) {
      this.opts.warn(`audit anchor: ${(err as Error).message}`);
      return this.last;
    }
    let written = false;
    if (this.opts.store) {
      try {
        await this.opts.store.write(anchor);
        written = true;
      } catch (err) {
        this.opts.warn(`audit anchor to the store failed: ${(err as Error).message}; retrying at the next interval`);
      }
    }
    if (this.opts.syslog) {
      try {
        await this.opts.syslog.send(formatAnchorSyslog(anchor));
        written = true;
      } catch (err) {
        this.opts.warn(`audit anchor to syslog failed: ${(err as Error).message}`);
      }
    }
    if (written) this.last = anchor;
    return this.last;
  }

  /** The newest anchor known: the store's (it outlives this process) or the last one written here. */
  async latest(): Promise<AuditAnchor | null> {
    let stored: AuditAnchor | null = null;
    if (this.opts.store) {
      try {
        stored = await this.opts.store.latest(this.log.ledger());
      } catch (err) {
        this.opts.warn(`reading the latest audit anchor failed: ${(err as Error).message}`);
      }
    }
    if (!stored) return this.last;
    if (!this.last) return stored;
    return stored.seq >= this.last.seq ? stored : this.last;
  }
}
