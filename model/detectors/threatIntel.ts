// threat-intel: flows to, or DNS questions about, an address, prefix or domain on the local IOC list.
import type { IocList } from '../iocList.ts';
import type { Detector, Finding, WindowContext } from './finding.ts';

export class ThreatIntelDetector implements Detector {
  constructor(private readonly iocs: IocList) {}

  detect(ctx: WindowContext, out: Finding[]): void {
    this.iocs.reload();
    if (this.iocs.size === 0) return;
    const { w } = ctx;
    const hits = new Map<string, { indicator: string; subject: Finding['subject']; count: number; what: string }>();
    const hit = (indicator: string, subject: Finding['subject'], what: string): void => {
      const key = indicator;
      const h = hits.get(key);
      if (h) h.count++;
      else hits.set(key, { indicator, subject, count: 1, what });
    };
    for (const f of w.flowStarts) {
      if (f.direction === 'internal') continue;
      const m = this.iocs.matchAddress(f.remote);
      if (m) hit(m, { localHost: f.local, remote: f.remote, ...(f.port ? { port: f.port } : {}) }, `${f.direction === 'inbound' ? 'a flow from' : 'a flow to'} ${f.remote}`);
    }
    for (const r of w.topRemoteEndpoints) {
      const m = this.iocs.matchAddress(r.host);
      if (m && !hits.has(m)) hit(m, { remote: r.host }, `traffic with ${r.host}`);
    }
    for (const d of ctx.dnsNames) {
      const m = this.iocs.matchDomain(d.name);
      if (m) hit(m, { localHost: d.client, domain: d.name }, `a DNS query for ${d.name}`);
    }
    for (const h of hits.values()) {
      out.push({
        kind: 'threat-intel',
        key: `threat-intel|${h.indicator}`,
        subject: h.subject,
        strength: 1 + Math.log2(h.count),
        score: h.count,
        observed: { feature: 'ioc.matches', value: h.count, unit: 'matches' },
        expected: { low: 0, high: 0, median: 0 },
        contributions: [{ feature: 'ioc.matches', observed: h.count, expected: 0, share: 1 }],
        maturity: 1,
        summary: `${h.subject.localHost ? `${h.subject.localHost}: ` : ''}${h.what} matches IOC ${h.indicator}`,
        holdMs: 60_000,
      });
    }
  }
}
