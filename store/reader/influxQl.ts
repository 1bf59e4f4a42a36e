// Small InfluxQL building blocks shared by the readers.

export function ident(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function literal(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** "db"."rp"."measurement", or "db".."measurement" for the default RP. */
export function source(db: string, rp: string | undefined, measurement: string): string {
  return `${ident(db)}.${rp ? ident(rp) : ''}.${ident(measurement)}`;
}

export function timeRange(from: number, to: number): string {
  return `time >= ${Math.floor(from)}ms AND time < ${Math.ceil(to)}ms`;
}

/** `AND (key = 'a' OR key = 'b')` for one value or several; '' when none. */
export function anyOf(key: string, values: string | readonly string[] | undefined): string {
  if (values === undefined) return '';
  const list = typeof values === 'string' ? [values] : values;
  if (list.length === 0) return '';
  return ` AND (${list.map((v) => `${ident(key)} = ${literal(v)}`).join(' OR ')})`;
}
