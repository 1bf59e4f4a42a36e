// The first bytes of application payloads. Bulk TCP payload is captured only up to these bytes
// (a per-packet slice, as a capture with a short snap length keeps), so the files stay small while
// the lengths on the wire stay true; tools still recognise the protocol from what is kept.
import type { Random } from './random.ts';

const TEXT = new TextEncoder();

/** A TLS application-data record header announcing `length` bytes. */
export function tlsRecordHeader(length: number): Uint8Array {
  const len = Math.min(Math.max(length - 5, 0), 0x4000 + 256);
  return Uint8Array.of(0x17, 0x03, 0x03, len >> 8, len & 0xff);
}

/** The start of a TLS 1.3 ClientHello carrying the server name (SNI, left out when empty). */
export function tlsClientHello(serverName: string, rnd: Random): Uint8Array {
  const name = TEXT.encode(serverName);
  const sni = name.length === 0 ? [] : [0x00, 0x00, ...u16(name.length + 5), ...u16(name.length + 3), 0x00, ...u16(name.length), ...name];
  const versions = [0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04];
  const extensions = [...sni, ...versions];
  const random: number[] = [];
  for (let i = 0; i < 32; i++) random.push(rnd.int(0, 255));
  const body = [0x03, 0x03, ...random, 0x00, 0x00, 0x04, 0x13, 0x01, 0x13, 0x02, 0x01, 0x00, ...u16(extensions.length), ...extensions];
  const handshake = [0x01, 0x00, ...u16(body.length), ...body];
  return Uint8Array.from([0x16, 0x03, 0x01, ...u16(handshake.length), ...handshake]);
}

/** The start of a TLS ServerHello flight (record header and handshake type). */
export function tlsServerHello(length: number): Uint8Array {
  const len = Math.min(Math.max(length - 5, 0), 0x4000);
  return Uint8Array.of(0x16, 0x03, 0x03, len >> 8, len & 0xff, 0x02);
}

export function httpRequest(host: string, path: string): Uint8Array {
  return TEXT.encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: Mozilla/5.0\r\n\r\n`);
}

export function httpResponseHeader(length: number): Uint8Array {
  return TEXT.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${length}\r\n`);
}

/** NetBIOS session header and the SMB2 magic. */
export function smb2Header(length: number): Uint8Array {
  const len = Math.min(Math.max(length - 4, 0), 0xffffff);
  return Uint8Array.of(0x00, len >> 16, (len >> 8) & 0xff, len & 0xff, 0xfe, 0x53, 0x4d, 0x42);
}

export const SSH_BANNER = TEXT.encode('SSH-2.0-OpenSSH_9.2p1\r\n');

export function syslogLine(host: string, message: string): Uint8Array {
  return TEXT.encode(`<134>1 - ${host} app - - - ${message}`);
}

/** An NTP v4 client request or server reply (48 bytes; timestamps left zero). */
export function ntpPacket(reply: boolean): Uint8Array {
  const p = new Uint8Array(48);
  p[0] = reply ? 0x24 : 0x23;
  p[1] = reply ? 2 : 0;
  return p;
}

/** A raw print job starts with a PJL escape. */
export const PJL_HEADER = TEXT.encode('\x1b%-12345X@PJL JOB\r\n');

function u16(v: number): [number, number] {
  return [(v >> 8) & 0xff, v & 0xff];
}
