// Syslog delivery, RFC 5424 messages over UDP (one per datagram) or TCP (octet-counting framing,
// RFC 6587). The TCP connection is opened on demand and re-opened after a failure.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { SeverityLevel } from '../../model/index.ts';
import { escapeControl, type AlertPayload } from './alertPayload.ts';

const FACILITY_LOCAL0 = 16;
/** syslog severities: critical → crit (2), high → err (3), medium → warning (4), low → notice (5), info (6) */
const SEVERITY: Record<SeverityLevel, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

/** SD-PARAM values escape `"`, `\` and `]` (RFC 5424 §6.3.3); control characters are escaped too. */
function sdValue(v: string | number): string {
  return escapeControl(String(v)).replace(/["\\\]]/g, (c) => `\\${c}`);
}

export function formatSyslog(payload: AlertPayload, host = hostname()): string {
  const a = payload.anomaly;
  const pri = FACILITY_LOCAL0 * 8 + SEVERITY[a.level];
  const ts = new Date().toISOString();
  const params = [
    `id="${sdValue(a.id)}"`, `sensor="${sdValue(a.sensor)}"`, `kind="${sdValue(a.kind)}"`,
    `level="${a.level}"`, `severity="${a.severity}"`, `reason="${payload.reason}"`,
    ...(a.subject.localHost ? [`host="${sdValue(a.subject.localHost)}"`] : []),
    ...(a.subject.remote ? [`remote="${sdValue(a.subject.remote)}"`] : []),
    ...(a.subject.remoteName ? [`remoteName="${sdValue(a.subject.remoteName)}"`] : []),
    ...(payload.attack.length > 0 ? [`attack="${sdValue(payload.attack.map((t) => t.id).join(','))}"`] : []),
  ].join(' ');
  const hostField = escapeControl(host).replace(/\s/g, '') || '-';
  return `<${pri}>1 ${ts} ${hostField} spanwatch - anomaly [spanwatch@32473 ${params}] ${escapeControl(a.summary)}`;
}

export class SyslogSink {
  readonly name: string;
  private readonly protocol: 'udp' | 'tcp';
  private readonly host: string;
  private readonly port: number;
  private udp: UdpSocket | null = null;
  private tcp: Socket | null = null;

  constructor(target: string) {
    const url = new URL(target);
    if (url.protocol !== 'udp:' && url.protocol !== 'tcp:') {
      throw new Error(`syslog target '${target}' must be udp://HOST:PORT or tcp://HOST:PORT`);
    }
    this.protocol = url.protocol === 'udp:' ? 'udp' : 'tcp';
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 514);
    this.name = `syslog ${target}`;
  }

  deliver(payload: AlertPayload): Promise<void> {
    return this.send(formatSyslog(payload));
  }

  /** Sends one formatted RFC 5424 message (alerts, audit anchors). */
  send(message: string): Promise<void> {
    const msg = Buffer.from(message, 'utf8');
    return this.protocol === 'udp' ? this.sendUdp(msg) : this.sendTcp(msg);
  }

  private sendUdp(msg: Buffer): Promise<void> {
    this.udp ??= createSocket(this.host.includes(':') ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      this.udp!.send(msg, this.port, this.host, (err) => (err ? reject(new Error(`${this.name}: ${err.message}`)) : resolve()));
    });
  }

  private openTcp(): Promise<Socket> {
    if (this.tcp && !this.tcp.destroyed) return Promise.resolve(this.tcp);
    return new Promise((resolve, reject) => {
      const s = connect({ host: this.host, port: this.port });
      s.setTimeout(5_000);
      const fail = (err: Error): void => {
        s.destroy();
        reject(new Error(`${this.name}: ${err.message}`));
      };
      s.once('error', fail);
      s.once('timeout', () => fail(new Error('connect timed out')));
      s.once('connect', () => {
        s.off('error', fail);
        s.setTimeout(0);
        s.on('error', () => s.destroy());
        s.on('close', () => { if (this.tcp === s) this.tcp = null; });
        this.tcp = s;
        resolve(s);
      });
    });
  }

  private async sendTcp(msg: Buffer): Promise<void> {
    const s = await this.openTcp();
    const frame = Buffer.concat([Buffer.from(`${msg.length} `, 'ascii'), msg]);
    await new Promise<void>((resolve, reject) => {
      s.write(frame, (err) => {
        if (err) {
          s.destroy();
          reject(new Error(`${this.name}: ${err.message}`));
        } else resolve();
      });
    });
  }

  close(): void {
    this.udp?.close();
    this.udp = null;
    this.tcp?.end();
    this.tcp = null;
  }
}
