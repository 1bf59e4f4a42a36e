import { describe, expect, it } from 'vitest';
import { IP_PROTO } from '../../capture/decode/decodedPacket.ts';
import { SERVICES } from '../../capture/index.ts';
import { isServicePort, serviceOf, SVC_OTHER_TCP, SVC_OTHER_UDP, WELL_KNOWN_PORTS } from '../../capture/flows/services.ts';

describe('well-known ports: one list for the service class and the flow direction', () => {
  it('every port that names a service class also marks its side as the listener, and no other port does', () => {
    const listed = new Map(WELL_KNOWN_PORTS.map(([p, s]) => [p, s]));
    for (let port = 0; port < 65536; port++) {
      expect(isServicePort(port)).toBe(listed.has(port));
      const cls = listed.get(port);
      const tcp = serviceOf(IP_PROTO.TCP, port);
      const udp = serviceOf(IP_PROTO.UDP, port);
      if (cls) {
        expect(SERVICES[tcp]).toBe(cls);
        expect(SERVICES[udp]).toBe(cls);
      } else {
        expect(tcp).toBe(SVC_OTHER_TCP);
        expect(udp).toBe(SVC_OTHER_UDP);
      }
    }
  });

  it('keeps the classes the records have always used', () => {
    expect(SERVICES[serviceOf(IP_PROTO.UDP, 53)]).toBe('dns');
    expect(SERVICES[serviceOf(IP_PROTO.TCP, 8443)]).toBe('tls');
    expect(SERVICES[serviceOf(IP_PROTO.TCP, 139)]).toBe('smb');
    expect(SERVICES[serviceOf(IP_PROTO.TCP, 3389)]).toBe('other-tcp');
    expect(isServicePort(3389)).toBe(true);
    expect(SERVICES[serviceOf(IP_PROTO.ICMPV6, 0)]).toBe('icmp');
    expect(SERVICES[serviceOf(47, 0)]).toBe('other');
  });
});
