// The one list of well-known server ports: which service class each names, and which side of a
// flow listens. The flow table asks it who initiated a flow; the window accounting asks it which
// service the flow belongs to.
import { IP_PROTO } from '../decode/decodedPacket.ts';
import { SERVICES, type Service } from '../windowStats.ts';

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

/** a well-known server port whose traffic has no service class of its own (it counts as other-tcp/udp) */
const NO_CLASS = -1;
const NOT_WELL_KNOWN = -2;

/** Well-known server ports and their service class (a service named in SERVICES, or none). */
export const WELL_KNOWN_PORTS: ReadonlyArray<readonly [port: number, service: Service | null]> = [
  [53, 'dns'],
  [80, 'http'], [8080, 'http'],
  [443, 'tls'], [8443, 'tls'], [993, 'tls'], [995, 'tls'], [465, 'tls'],
  [22, 'ssh'],
  [445, 'smb'], [139, 'smb'],
  [123, 'ntp'],
  [25, null], [67, null], [68, null], [161, null], [389, null], [3389, null],
];

// port → service code, NO_CLASS or NOT_WELL_KNOWN: one load per new flow instead of a comparison chain
const PORT_CLASS = new Int8Array(65536).fill(NOT_WELL_KNOWN);
for (const [port, service] of WELL_KNOWN_PORTS) PORT_CLASS[port] = service === null ? NO_CLASS : SERVICES.indexOf(service);

/** Whether `port` is a well-known server port: a packet towards it comes from the flow's initiator. */
export function isServicePort(port: number): boolean {
  return PORT_CLASS[port]! !== NOT_WELL_KNOWN;
}

/** The service code of a flow with IP protocol `proto` whose responder listens on `serverPort`. */
export function serviceOf(proto: number, serverPort: number): number {
  if (proto === IP_PROTO.TCP || proto === IP_PROTO.UDP) {
    const s = PORT_CLASS[serverPort]!;
    if (s >= 0) return s;
    return proto === IP_PROTO.TCP ? SVC_OTHER_TCP : SVC_OTHER_UDP;
  }
  if (proto === IP_PROTO.ICMP || proto === IP_PROTO.ICMPV6) return SVC_ICMP;
  return SVC_OTHER;
}
