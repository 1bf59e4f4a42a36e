// The enterprise site the generator simulates: several local subnets (servers, desktops, laptops,
// printers and IoT), the servers every client leans on, and the internet services they use.
// Remote addresses come only from ranges never routed on the internet: the RFC 5737 documentation
// /24s, the RFC 2544 benchmarking 198.18.0.0/15 and the RFC 6598 shared space 100.64.0.0/10, which
// gives the /16 "cloud" prefixes whose addresses rotate.
import { type HostRole, type LocalHost, type OfficeNetwork, remote, type RemoteService } from './network.ts';
import { zipfCumulative } from './random.ts';

export interface EnterpriseSize {
  desktops: number;
  laptops: number;
  printers: number;
  iot: number;
}

export interface CloudPrefix {
  /** the first two octets, e.g. '198.18' */
  prefix16: string;
  domain: string;
  port: number;
}

export interface EnterpriseNetwork extends OfficeNetwork {
  subnets: { servers: string; desktops: string; laptops: string; devices: string };
  domainController: LocalHost;
  mailServer: LocalHost;
  monitoringServer: LocalHost;
  desktops: LocalHost[];
  laptops: LocalHost[];
  printers: LocalHost[];
  iot: LocalHost[];
  /** servers that the monitoring server checks and that log to it */
  servers: LocalHost[];
  /** the monitoring SaaS the laptops' agents and the monitoring server report to */
  saasMonitor: RemoteService;
  /** the IoT vendor's cloud (MQTT over TLS) */
  iotCloud: RemoteService;
  /** external mail exchangers */
  mailExchangers: RemoteService[];
  /** offsite backup addresses: the nightly run picks one */
  backupVaults: RemoteService[];
  /** where CDN names resolve: random addresses of this /16 */
  cdn: CloudPrefix;
  /** cloud file sync: every upload goes to a fresh address of one of these /16s */
  cloudSync: CloudPrefix[];
  /** the antivirus vendor's reputation zone: random hex labels under it */
  avZone: string;
  /** the OS vendor's update service (served from the CDN) */
  updateDomain: string;
  /** the internal DNS zone the resolver answers itself */
  corpZone: string;
}

export const ENTERPRISE_SERVERS_NET = '10.10.0.0/24';
export const ENTERPRISE_DESKTOPS_NET = '10.20.0.0/22';
export const ENTERPRISE_LAPTOPS_NET = '10.30.0.0/22';
export const ENTERPRISE_DEVICES_NET = '10.40.0.0/24';
/** at most this many hosts fit in a /22 (first .10 of the /22 kept for infrastructure) */
export const MAX_SUBNET_HOSTS = 1_000;
/** remote networks no normal traffic ever touches: the incidents' infrastructure */
export const INCIDENT_NET_24 = '203.0.113';
export const INCIDENT_NET_16 = '100.70';

const GATEWAY_MAC = '02:00:0a:00:00:01';

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

function host(ip: string, name: string, role: HostRole, ttl: number): LocalHost {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  const index = (c << 8) | d;
  return {
    ip, mac: `02:00:${hex2(a)}:${hex2(b)}:${hex2(c)}:${hex2(d)}`, ttl, ipId: (index * 257 + b) & 0xffff,
    nextPort: 49152 + ((index * 37 + b * 11) % 15_000), name, role,
  };
}

/** The n-th address of a /22 starting at `base` (a.b.c0.0), skipping the first 10. */
function inSlash22(base: string, n: number): string {
  const [a, b, c0] = base.split('.').map(Number) as [number, number, number];
  const k = n + 10;
  return `${a}.${b}.${c0 + (k >> 8)}.${k & 0xff}`;
}

const WEB_NAMES = [
  'www', 'portal', 'login', 'api', 'static', 'docs', 'news', 'video', 'chat', 'calendar',
  'maps', 'shop', 'status', 'images', 'fonts', 'analytics', 'crm', 'wiki', 'tickets', 'hr',
];
const WEB_ZONES = ['example.com', 'example.net', 'example.org'];
const WEB_RANGES = ['192.0.2', '198.51.100'];

export function enterpriseNetwork(size: EnterpriseSize): EnterpriseNetwork {
  for (const [k, v] of Object.entries(size)) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_SUBNET_HOSTS) throw new Error(`the enterprise needs 1 … ${MAX_SUBNET_HOSTS} ${k} (got ${v})`);
  }
  if (size.printers + size.iot > 240) throw new Error(`printers and IoT devices share a /24: at most 240 together (got ${size.printers + size.iot})`);
  const gateway = host('10.10.0.1', 'gateway', 'gateway', 64);
  gateway.mac = GATEWAY_MAC;
  const domainController = host('10.10.0.5', 'domain controller', 'domain-controller', 128);
  const resolver = host('10.10.0.53', 'dns resolver', 'dns-resolver', 64);
  const fileServer = host('10.10.0.10', 'file server', 'file-server', 128);
  const backupServer = host('10.10.0.11', 'backup server', 'backup-server', 64);
  const appServer = host('10.10.0.12', 'intranet application server', 'app-server', 64);
  const mailServer = host('10.10.0.25', 'mail server', 'mail-server', 64);
  const monitoringServer = host('10.10.0.30', 'monitoring server', 'monitoring-server', 64);
  // seven servers: enterpriseHostCount counts them
  const servers = [domainController, resolver, fileServer, backupServer, appServer, mailServer, monitoringServer];
  const desktops: LocalHost[] = [];
  for (let i = 0; i < size.desktops; i++) desktops.push(host(inSlash22('10.20.0', i), `desktop ${i + 1}`, 'desktop', 128));
  const laptops: LocalHost[] = [];
  for (let i = 0; i < size.laptops; i++) laptops.push(host(inSlash22('10.30.0', i), `laptop ${i + 1}`, 'laptop', 128));
  const printers: LocalHost[] = [];
  for (let i = 0; i < size.printers; i++) printers.push(host(`10.40.0.${10 + i}`, `printer ${i + 1}`, 'printer', 255));
  const iot: LocalHost[] = [];
  for (let i = 0; i < size.iot; i++) iot.push(host(`10.40.0.${10 + size.printers + i}`, `camera ${i + 1}`, 'iot', 64));

  const web: RemoteService[] = [];
  let n = 0;
  for (const name of WEB_NAMES) {
    for (const zone of WEB_ZONES) {
      const range = WEB_RANGES[n % WEB_RANGES.length]!;
      web.push(remote(`${range}.${10 + Math.floor(n / WEB_RANGES.length)}`, `${name}.${zone}`, n % 7 === 3 ? 80 : 443, 44 + (n % 13)));
      n++;
    }
  }
  const workstations = [...desktops, ...laptops];
  return {
    localNet: ENTERPRISE_SERVERS_NET,
    subnets: { servers: ENTERPRISE_SERVERS_NET, desktops: ENTERPRISE_DESKTOPS_NET, laptops: ENTERPRISE_LAPTOPS_NET, devices: ENTERPRISE_DEVICES_NET },
    gateway, resolver, fileServer, backupServer, appServer, printer: printers[0]!, workstations,
    domainController, mailServer, monitoringServer, desktops, laptops, printers, iot, servers,
    hosts: [gateway, ...servers, ...printers, ...iot, ...workstations],
    web,
    webCumulative: zipfCumulative(web.length, 1.0),
    upstreamDns: remote('192.0.2.53', 'resolver.example.net', 53, 57),
    ntp: remote('192.0.2.123', 'ntp.example.net', 123, 53),
    offsiteBackup: remote('198.51.100.240', 'vault.backup-provider.example', 443, 50),
    monitoring: remote('100.66.10.1', 'ingest.saas-monitor.example', 443, 49),
    remoteShell: remote('198.51.100.222', 'bastion.example.org', 22, 55),
    saasMonitor: remote('100.66.10.1', 'ingest.saas-monitor.example', 443, 49),
    iotCloud: remote('100.67.20.5', 'mqtt.camvendor.example', 8883, 51),
    mailExchangers: [remote('192.0.2.25', 'mx1.example.net', 25, 52), remote('198.51.100.25', 'mx.example.com', 25, 54), remote('192.0.2.26', 'mx2.example.net', 25, 52)],
    backupVaults: Array.from({ length: 8 }, (_, i) => remote(`198.51.100.${240 + i}`, 'vault.backup-provider.example', 443, 50)),
    cdn: { prefix16: '100.64', domain: 'edgecache.example', port: 443 },
    cloudSync: [
      { prefix16: '198.18', domain: 'sync.clouddrive.example', port: 443 },
      { prefix16: '198.19', domain: 'upload.objectstore.example', port: 443 },
      { prefix16: '100.65', domain: 'files.collab-suite.example', port: 443 },
    ],
    avZone: 'rep.avvendor.example',
    updateDomain: 'updates.osvendor.example',
    corpZone: 'corp.example',
  };
}

/** Local hosts of an enterprise of this size: the gateway, seven servers and the rest. */
export function enterpriseHostCount(size: EnterpriseSize): number {
  return 1 + 7 + size.desktops + size.laptops + size.printers + size.iot;
}

/** The local subnets, for labels.json's localNets. */
export function enterpriseLocalNets(net: EnterpriseNetwork): string[] {
  return [net.subnets.servers, net.subnets.desktops, net.subnets.laptops, net.subnets.devices];
}

/** A random address of a /16 (never .0 or .255 in the last octet). */
export function addressIn(prefix16: string, third: number, fourth: number): string {
  return `${prefix16}.${third & 0xff}.${1 + (fourth % 254)}`;
}
