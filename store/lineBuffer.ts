// A growable byte buffer that line protocol is written into directly: no string per field, per
// line or per batch, so encoding a window leaves almost nothing for the garbage collector, and the
// bytes can go to a socket, a spool file or another thread as they are.

const STRING_ESCAPE = /["\\]/g;
const NEWLINES = /\r?\n|\r/g;

function escapeStringSlowly(s: string): string {
  return s.replace(STRING_ESCAPE, '\\$&').replace(NEWLINES, '\\n');
}

/** strings shorter than this are copied char by char; longer ones through the native encoder */
const SHORT_STRING = 48;

export class LineBuffer {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity = 16 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(capacity);
  }

  /** bytes written so far */
  get length(): number {
    return this.pos;
  }

  /** Forgets everything after `length` (a line that turned out to have no field). */
  truncate(length: number): void {
    this.pos = Math.min(this.pos, length);
  }

  byte(c: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = c;
  }

  /** A string as UTF-8, unescaped. */
  text(s: string): void {
    const n = s.length;
    if (this.pos + n * 3 > this.buf.length) this.grow(n * 3);
    if (n < SHORT_STRING) {
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          this.pos = p + b.write(s.slice(i), p, 'utf8');
          return;
        }
        b[p++] = c;
      }
      this.pos = p;
      return;
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * A string as the inside of a line-protocol string field: `"` and `\` get a backslash, and a
   * line break (\r\n, \n or \r) becomes the two characters `\n`, since a line cannot hold one.
   */
  escapedText(s: string): void {
    const n = s.length;
    // Escaping at most doubles an ASCII char; a UTF-16 unit is at most 3 bytes of UTF-8.
    if (this.pos + n * 3 > this.buf.length) this.grow(n * 3);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos = p;
        this.text(escapeStringSlowly(s.slice(i)));
        return;
      }
      if (c === 0x22 || c === 0x5c) {
        b[p++] = 0x5c;
        b[p++] = c;
      } else if (c === 0x0a || c === 0x0d) {
        if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a) i++;
        b[p++] = 0x5c;
        b[p++] = 0x6e;
      } else {
        b[p++] = c;
      }
    }
    this.pos = p;
  }

  /**
   * A JSON string inside a line-protocol string field (its quotes escaped), when it needs no JSON
   * escaping: printable ASCII without `"` or `\`. Returns its length as JSON, or -1 and writes
   * nothing when the string needs JSON.stringify.
   */
  plainJsonString(s: string): number {
    const n = s.length;
    if (this.pos + n + 4 > this.buf.length) this.grow(n + 4);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x5c;
    b[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
      b[p++] = c;
    }
    b[p++] = 0x5c;
    b[p++] = 0x22;
    this.pos = p;
    return n + 2;
  }

  /** An integer in decimal, as String(v) writes it. */
  int(v: number): void {
    if (!Number.isSafeInteger(v) || v > 1e15 || v < -1e15) {
      this.text(String(v));
      return;
    }
    if (this.pos + 17 > this.buf.length) this.grow(17);
    const b = this.buf;
    let p = this.pos;
    if (v < 0) {
      b[p++] = 45;
      v = -v;
    }
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    const end = p + digits;
    for (let i = end - 1; i >= p; i--) {
      const q = Math.floor(v / 10);
      b[i] = 48 + (v - q * 10);
      v = q;
    }
    this.pos = end;
  }

  bytes(src: Uint8Array): void {
    if (this.pos + src.length > this.buf.length) this.grow(src.length);
    this.buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Appends what another line buffer holds. */
  append(other: LineBuffer): void {
    this.bytes(other.buf.subarray(0, other.pos));
  }

  /**
   * The bytes written so far, in a buffer of their own (its ArrayBuffer can be transferred to
   * another thread); the line buffer starts empty again and keeps its capacity.
   */
  take(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }

  toString(start = 0, end = this.pos): string {
    return this.buf.toString('utf8', start, end);
  }

  reset(): void {
    this.pos = 0;
  }

  private grow(need: number): void {
    let capacity = this.buf.length * 2;
    while (capacity < this.pos + need) capacity *= 2;
    const next = Buffer.allocUnsafeSlow(capacity);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
