// Service of a flow from its protocol and server-side port.
import { IP_PROTO } from './decode/decodedPacket.ts';
import type { Service } from './windowStats.ts';

/** Service codes, indexes into SERVICES. */
export const SVC_DNS = 0;
export const SVC_HTTP = 1;
export const SVC_TLS = 2;
export const SVC_SSH = 3;
export const SVC_SMB = 4;
export const SVC_NTP = 5;
export const SVC_OTHER_TCP = 6;
export const SVC_OTHER_UDP = 7;
export const SVC_ICMP = 8;
export const SVC_OTHER = 9;
export const SERVICE_NAMES: readonly Service[] = [
  'dns', 'http', 'tls', 'ssh', 'smb', 'ntp', 'other-tcp', 'other-udp', 'icmp', 'other',
];

function byPort(port: number): number {
  switch (port) {
    case 53: return SVC_DNS;
    case 80: case 8080: return SVC_HTTP;
    case 443: case 8443: case 993: case 995: case 465: return SVC_TLS;
    case 22: return SVC_SSH;
    case 445: case 139: return SVC_SMB;
    case 123: return SVC_NTP;
    default: return -1;
  }
}

/** The service code of a flow with IP protocol `proto` whose responder listens on `serverPort`. */
export function serviceOf(proto: number, serverPort: number): number {
  if (proto === IP_PROTO.TCP || proto === IP_PROTO.UDP) {
    const s = byPort(serverPort);
    if (s >= 0) return s;
    return proto === IP_PROTO.TCP ? SVC_OTHER_TCP : SVC_OTHER_UDP;
  }
  if (proto === IP_PROTO.ICMP || proto === IP_PROTO.ICMPV6) return SVC_ICMP;
  return SVC_OTHER;
}
