// The office the generator simulates: its local hosts, the services they use and the remote
// addresses (documentation ranges only: RFC 5737 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).
import { zipfCumulative } from './random.ts';

/** One side of a conversation. Remote endpoints carry the gateway's MAC: that is what a SPAN port sees. */
export interface Endpoint {
  ip: string;
  mac: string;
  /** TTL as seen at the SPAN port */
  ttl: number;
  /** next IPv4 identification value this endpoint sends */
  ipId: number;
  /** next ephemeral source port */
  nextPort: number;
}

export type HostRole =
  | 'gateway' | 'dns-resolver' | 'file-server' | 'backup-server' | 'app-server' | 'printer' | 'workstation'
  | 'domain-controller' | 'mail-server' | 'monitoring-server' | 'desktop' | 'laptop' | 'iot';

export interface LocalHost extends Endpoint {
  name: string;
  role: HostRole;
}

export interface RemoteService extends Endpoint {
  domain: string;
  port: number;
}

export interface OfficeNetwork {
  localNet: string;
  gateway: LocalHost;
  resolver: LocalHost;
  fileServer: LocalHost;
  backupServer: LocalHost;
  appServer: LocalHost;
  printer: LocalHost;
  workstations: LocalHost[];
  /** every local host, servers first */
  hosts: LocalHost[];
  /** the web/TLS services workstations use, most popular first */
  web: RemoteService[];
  webCumulative: Float64Array;
  upstreamDns: RemoteService;
  ntp: RemoteService;
  offsiteBackup: RemoteService;
  monitoring: RemoteService;
  /** SSH jump host outside the office, used now and then by the administrator */
  remoteShell: RemoteService;
}

const GATEWAY_MAC = '02:00:0a:00:00:01';
export const MAX_WORKSTATIONS = 150;

function mac(lastOctet: number): string {
  return `02:00:0a:00:00:${lastOctet.toString(16).padStart(2, '0')}`;
}

function localHost(octet: number, name: string, role: HostRole, ttl: number): LocalHost {
  return { ip: `10.0.0.${octet}`, mac: mac(octet), ttl, ipId: octet * 257, nextPort: 49152 + octet * 37, name, role };
}

export function remote(ip: string, domain: string, port: number, ttl: number): RemoteService {
  const last = Number(ip.split('.')[3]);
  return { ip, mac: GATEWAY_MAC, ttl, ipId: last * 131, nextPort: 32768 + last * 11, domain, port };
}

const WEB_NAMES = [
  'www', 'mail', 'cdn', 'login', 'api', 'static', 'docs', 'news', 'video', 'chat', 'drive', 'calendar',
  'maps', 'shop', 'status', 'updates', 'images', 'fonts', 'analytics', 'crm',
];
const WEB_ZONES = ['example.com', 'example.net', 'example.org'];
/** addresses .10 … .69 of each range carry the everyday services; .128 … .199 are kept for incidents */
const WEB_RANGES = ['198.51.100', '203.0.113', '192.0.2'];

export function officeNetwork(workstationCount: number): OfficeNetwork {
  if (!Number.isInteger(workstationCount) || workstationCount < 2 || workstationCount > MAX_WORKSTATIONS) {
    throw new Error(`the office needs between 2 and ${MAX_WORKSTATIONS} workstations (got ${workstationCount})`);
  }
  const gateway = localHost(1, 'gateway', 'gateway', 64);
  gateway.mac = GATEWAY_MAC;
  const resolver = localHost(2, 'dns resolver', 'dns-resolver', 64);
  const fileServer = localHost(10, 'file server', 'file-server', 128);
  const backupServer = localHost(11, 'backup server', 'backup-server', 64);
  const appServer = localHost(12, 'application server', 'app-server', 64);
  const printer = localHost(20, 'printer', 'printer', 255);
  const workstations: LocalHost[] = [];
  for (let i = 0; i < workstationCount; i++) {
    workstations.push(localHost(101 + i, `workstation ${i + 1}`, 'workstation', 128));
  }
  const web: RemoteService[] = [];
  let n = 0;
  for (const name of WEB_NAMES) {
    for (const zone of WEB_ZONES) {
      const range = WEB_RANGES[n % WEB_RANGES.length]!;
      const ip = `${range}.${10 + Math.floor(n / WEB_RANGES.length)}`;
      web.push(remote(ip, `${name}.${zone}`, n % 7 === 3 ? 80 : 443, 44 + (n % 13)));
      n++;
    }
  }
  return {
    localNet: '10.0.0.0/24',
    gateway, resolver, fileServer, backupServer, appServer, printer, workstations,
    hosts: [gateway, resolver, fileServer, backupServer, appServer, printer, ...workstations],
    web,
    webCumulative: zipfCumulative(web.length, 1.0),
    upstreamDns: remote('192.0.2.53', 'resolver.example.net', 53, 57),
    ntp: remote('192.0.2.123', 'ntp.example.net', 123, 53),
    offsiteBackup: remote('203.0.113.250', 'vault.example-backup.net', 443, 50),
    monitoring: remote('203.0.113.251', 'monitor.example.net', 443, 49),
    remoteShell: remote('198.51.100.222', 'bastion.example.org', 22, 55),
  };
}

/** A remote address no background traffic ever uses (incident addresses). */
export function incidentRemote(ip: string, domain: string, port: number): RemoteService {
  return remote(ip, domain, port, 47);
}
