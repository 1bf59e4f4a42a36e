// The two lists a window stores as one string field each — DNS names (JSON) and flow starts
// (compact text) — written straight into a LineBuffer, escaped for line protocol, with exactly the
// text and the cut that windowStatsToPoints() gives them.
import { DIRECTIONS, type DnsName, type FlowStart } from '../capture/index.ts';
import type { LineBuffer } from './lineBuffer.ts';
import { COMMA } from './point.ts';
import { LIST_SEPARATORS, MAX_STRING_CHARS, PROTOS, boundedJson, compactDnsName } from './windowPoints.ts';

const SEMICOLON = 0x3b;
const OPEN = 0x5b;
const CLOSE = 0x5d;

/** A JSON value, escaped; returns its length as JSON text. */
function jsonValue(out: LineBuffer, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) {
    const start = out.length;
    out.int(v);
    return out.length - start;
  }
  if (typeof v === 'string') {
    const chars = out.plainJsonString(v);
    if (chars >= 0) return chars;
  }
  const json = JSON.stringify(v) ?? 'null';
  out.escapedText(json);
  return json.length;
}

/** The names as compact JSON (`[[name, client, queries, nxdomain, qtype], …]`); returns how many were cut. */
export function writeDnsNames(out: LineBuffer, names: readonly DnsName[]): number {
  const start = out.length;
  out.byte(OPEN);
  let chars = 2 + Math.max(0, names.length - 1);
  for (let i = 0; i < names.length && chars <= MAX_STRING_CHARS; i++) {
    const n = names[i]!;
    if (i > 0) out.byte(COMMA);
    out.byte(OPEN);
    chars += 6 + jsonValue(out, n.name);
    out.byte(COMMA);
    chars += jsonValue(out, n.client);
    out.byte(COMMA);
    chars += jsonValue(out, n.queries);
    out.byte(COMMA);
    chars += jsonValue(out, n.nxdomain);
    out.byte(COMMA);
    chars += jsonValue(out, n.qtype);
    out.byte(CLOSE);
  }
  out.byte(CLOSE);
  if (chars <= MAX_STRING_CHARS) return 0;
  // Too long for one string field: the list is shrunk the way the point encoding shrinks it.
  out.truncate(start);
  const bounded = boundedJson(names, compactDnsName);
  out.escapedText(bounded.json);
  return bounded.cut;
}

/** Writes `s`, escaped; returns how many bytes escaping added. */
function escapedExtra(out: LineBuffer, s: string): number {
  const start = out.length;
  out.escapedText(s);
  return out.length - start - s.length;
}

/** The flow starts as `dt,dir,proto,local,remote,port;…`; returns how many were cut. */
export function writeFlowStarts(out: LineBuffer, list: readonly FlowStart[], windowStart: number): number {
  let chars = 0;
  for (let i = 0; i < list.length; i++) {
    const f = list[i]!;
    const itemStart = out.length;
    if (i > 0) out.byte(SEMICOLON);
    const bodyStart = out.length;
    out.int(f.ts - windowStart);
    out.byte(COMMA);
    out.int(DIRECTIONS.indexOf(f.direction));
    out.byte(COMMA);
    out.int(PROTOS.indexOf(f.proto));
    out.byte(COMMA);
    let extra = escapedExtra(out, f.local.replace(LIST_SEPARATORS, ''));
    out.byte(COMMA);
    extra += escapedExtra(out, f.remote.replace(LIST_SEPARATORS, ''));
    out.byte(COMMA);
    out.int(f.port);
    const itemChars = out.length - bodyStart - extra;
    if (chars + itemChars + 1 > MAX_STRING_CHARS) {
      out.truncate(itemStart);
      return list.length - i;
    }
    chars += (i > 0 ? 1 : 0) + itemChars;
  }
  return 0;
}
