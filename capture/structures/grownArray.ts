// Growing a typed array: a larger one of the same kind holding the old elements first.

type NumberArray = Float64Array | Int32Array | Uint32Array | Uint8Array;

/** A copy of `a` with room for `length` elements; the new ones are 0. */
export function grown<T extends NumberArray>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a as ArrayLike<number>);
  return b;
}
