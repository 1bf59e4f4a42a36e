// On the labelled `test` dataset replayed by a real `spanwatch sensor` (model trained on its
// normal days, store on the suite's influxd): every anomaly's pcap holds exactly the packets
// tshark selects from the source for its hosts and interval, every anomaly carries its ATT&CK
// techniques, and every query of the shipped Grafana dashboards returns rows.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../capture/index.ts';
import { generateDataset, presetOptions, type DatasetLabels } from '../../datasets/index.ts';
import { attackTechniques, type Anomaly } from '../../model/index.ts';
import { freshDatabase, type FreshDatabase } from '../helpers/influx.ts';

const ROOT = join(import.meta.dirname, '../..');
const bin = join(ROOT, 'bin/spanwatch');
const SENSOR = 'ds-test';
let dir: string;
let labels: DatasetLabels;
let db: FreshDatabase;
let day: string;
const records: EvidenceRecord[] = [];
const anomalies = new Map<string, Anomaly>();
const jsonlEvidence: EvidenceRecord[] = [];

function spanwatch(args: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, SPANWATCH_VAR: join(dir, 'var') }, timeout: 240_000 });
  if (r.status !== 0) throw new Error(`spanwatch ${args[0]} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dataset-evidence-'));
  labels = (await generateDataset(presetOptions('test', dir))).labels;
  day = join(dir, labels.files[labels.files.length - 1]!);
  const nets = labels.localNets.flatMap((n) => ['--local-net', n]);
  spanwatch(['train', ...labels.files.slice(0, -1).flatMap((f) => ['--pcap', join(dir, f)]), ...nets, '--window', '10s', '--models', join(dir, 'models'), '--promote']);
  db = await freshDatabase('grafana');
  spanwatch([
    'sensor', '--pcap', day, '--window', '10s', ...nets, '--sensor', SENSOR,
    '--model', 'latest', '--models', join(dir, 'models'), '--ioc', join(dir, labels.iocFile), '--criticality', join(dir, labels.criticalityFile),
    '--influx', db.url, '--influx-db', db.name,
    '--retention-raw', 'inf', '--retention-1m', 'inf', '--retention-1h', 'inf', '--retention-events', 'inf',
    '--jsonl', join(dir, 'out.jsonl'), '--evidence-dir', join(dir, 'evidence'),
  ]);
  for (const line of readFileSync(join(dir, 'out.jsonl'), 'utf8').split('\n')) {
    if (line.startsWith('{"type":"evidence"')) jsonlEvidence.push((JSON.parse(line) as { data: EvidenceRecord }).data);
    if (!line.startsWith('{"type":"anomaly"')) continue;
    const a = (JSON.parse(line) as { data: Anomaly }).data;
    anomalies.set(a.id, a);
  }
  for (const f of readdirSync(join(dir, 'evidence')).filter((f) => f.endsWith('.json'))) {
    records.push(JSON.parse(readFileSync(join(dir, 'evidence', f), 'utf8')) as EvidenceRecord);
  }
}, 600_000);
afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('evidence pcaps on the labelled test dataset', () => {
  it('keeps one complete pcap per anomaly, without gaps', () => {
    expect(anomalies.size).toBeGreaterThanOrEqual(8);
    expect(records.map((r) => r.anomalyId).sort()).toEqual([...anomalies.keys()].sort());
    // the JSON lines carry the same records
    expect(jsonlEvidence.map((r) => r.anomalyId).sort()).toEqual(records.map((r) => r.anomalyId).sort());
    for (const r of records) {
      expect(r.state, r.anomalyId).toBe('complete');
      expect(r.gaps, r.anomalyId).toBe(0);
      expect(r.ringStartedAt, r.anomalyId).toBeUndefined();
    }
  });

  it('holds exactly the packets of the subject within the stated interval, as tshark selects them from the source', () => {
    // one pass of tshark over the source, then every record's filter applied to its fields
    const rows = execFileSync('tshark', ['-r', day, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ipv6.src', '-e', 'ipv6.dst'], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 512 * 1024 * 1024,
    }).trim().split('\n').map((l) => {
      const [t, s4, d4, s6, d6] = l.split('\t');
      return { t: Number(t), src: s4 || s6 || '', dst: d4 || d6 || '' };
    });
    for (const r of records) {
      const a = r.from / 1000;
      const b = r.to / 1000;
      const expected = rows.filter((p) => p.t >= a && p.t <= b && (r.hosts.includes(p.src) || r.hosts.includes(p.dst))).length;
      expect(r.packets, r.anomalyId).toBe(expected);
      const pcap = join(dir, 'evidence', r.file!);
      const info = execFileSync('capinfos', ['-c', '-M', pcap], { encoding: 'utf8' });
      expect(info, r.anomalyId).toMatch(new RegExp(`Number of packets:\\s+${expected}\\b`));
    }
    // and literally, for the records of three kinds: the same count as `tshark -r src -Y "ip.addr==H && time"`
    for (const kind of ['outbound-spike', 'beaconing', 'threat-intel']) {
      const r = records.find((x) => anomalies.get(x.anomalyId)?.kind === kind);
      if (!r) continue;
      const who = r.hosts.map((h) => `ip.addr==${h}`).join(' || ');
      const filter = `(${who}) && frame.time_epoch >= ${(r.from / 1000).toFixed(6)} && frame.time_epoch <= ${(r.to / 1000).toFixed(6)}`;
      const n = execFileSync('tshark', ['-r', day, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 }).trim().split('\n').filter((x) => x).length;
      expect(r.packets, kind).toBe(n);
      const inFile = execFileSync('tshark', ['-r', join(dir, 'evidence', r.file!), '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').filter((x) => x).length;
      expect(inFile, `${kind}: every packet of the pcap passes the filter`).toBe(r.packets);
    }
  }, 300_000);

  it('lists the flow between subject and remote first for exfiltration findings, an upload for spikes, with a Community ID', () => {
    const uploads = records.filter((r) => ['outbound-spike', 'new-destination'].includes(anomalies.get(r.anomalyId)!.kind));
    expect(uploads.length).toBeGreaterThan(0);
    for (const r of uploads) {
      const a = anomalies.get(r.anomalyId)!;
      const f = r.flows[0]!;
      expect([f.orig, f.resp].sort(), r.anomalyId).toEqual([a.subject.localHost, a.subject.remote].sort());
      if (a.kind === 'outbound-spike') expect(f.origBytes, r.anomalyId).toBeGreaterThan(f.respBytes);
      expect(f.communityId).toMatch(/^1:/);
    }
  });

  it('gives every anomaly the ATT&CK techniques of its kind', () => {
    const kinds = new Set<string>();
    for (const a of anomalies.values()) {
      expect(a.attack, a.id).toEqual(attackTechniques(a));
      kinds.add(a.kind);
    }
    expect(kinds.size).toBeGreaterThanOrEqual(7);
  });
});

interface Target { query: string }
interface Panel { title: string; targets: Target[] }
interface Dashboard { title: string; panels: Panel[]; templating: { list: { query: string }[] }; annotations: { list: { query?: string }[] } }

describe('Grafana dashboards against the stored dataset', () => {
  const dashDir = join(ROOT, 'docs/deploy/grafana/dashboards');
  const dashboards = readdirSync(dashDir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(readFileSync(join(dashDir, f), 'utf8')) as Dashboard);

  /** The query as Grafana sends it: its macros and the sensor variable filled in. */
  function expand(q: string): string {
    const from = labels.trainRange.end;
    const to = from + 86_400_000;
    return q.replaceAll('$timeFilter', `time >= ${from}ms and time <= ${to}ms`).replaceAll('$__interval', '1m').replaceAll('$sensor', SENSOR);
  }

  async function rows(q: string): Promise<number> {
    // as Grafana's datasource does: the credentials travel as basic auth, not in the URL
    const url = new URL(db.url);
    const auth = url.username ? { authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` } : undefined;
    url.username = '';
    url.password = '';
    const res = await fetch(`${url.origin}/query?db=${encodeURIComponent(db.name)}&epoch=ms&q=${encodeURIComponent(expand(q))}`, { headers: auth });
    const body = await res.json() as { results: { error?: string; series?: { values: unknown[][] }[] }[] };
    const r = body.results[0]!;
    if (r.error) throw new Error(`${q}: ${r.error}`);
    return (r.series ?? []).reduce((n, s) => n + s.values.length, 0);
  }

  it('ships dashboards with panels', () => {
    expect(dashboards.length).toBeGreaterThanOrEqual(2);
    for (const d of dashboards) expect(d.panels.length).toBeGreaterThan(3);
  });

  it('every panel query, annotation and variable returns rows', async () => {
    let queries = 0;
    for (const d of dashboards) {
      const all = [
        ...d.panels.flatMap((p) => p.targets.map((t) => ({ what: `${d.title} / ${p.title}`, q: t.query }))),
        ...d.annotations.list.filter((a) => a.query).map((a) => ({ what: `${d.title} / annotation`, q: a.query! })),
        ...d.templating.list.map((v) => ({ what: `${d.title} / variable`, q: v.query })),
      ];
      for (const { what, q } of all) {
        expect(await rows(q), what).toBeGreaterThan(0);
        queries++;
      }
    }
    expect(queries).toBeGreaterThan(15);
  }, 120_000);
});
