// Composable XDR codecs: the generated protocol (remote-protocol.gen.ts) builds one per type of
// libvirt's .x files from these. Every decoder checks lengths and counts against the .x file's
// bound before it allocates (XdrReader does the checking).
import { rpcError, STRING_MAX, XdrReader, XdrWriter } from "./xdr.js";

export interface Codec<T> {
  encode(w: XdrWriter, value: T): void;
  decode(r: XdrReader): T;
}

const codec = <T>(encode: (w: XdrWriter, v: T) => void, decode: (r: XdrReader) => T): Codec<T> => ({ encode, decode });

export const xdrVoid = codec<void>(
  () => {},
  () => undefined,
);
export const xdrInt = codec<number>(
  (w, v) => void w.int(v),
  (r) => r.int(),
);
export const xdrUint = codec<number>(
  (w, v) => void w.uint(v),
  (r) => r.uint(),
);
export const xdrBool = codec<boolean>(
  (w, v) => void w.bool(v),
  (r) => r.bool(),
);
export const xdrHyper = codec<bigint>(
  (w, v) => void w.hyper(v),
  (r) => r.hyper(),
);
export const xdrUhyper = codec<bigint>(
  (w, v) => void w.uhyper(v),
  (r) => r.uhyper(),
);
export const xdrDouble = codec<number>(
  (w, v) => void w.double(v),
  (r) => r.double(),
);
export const xdrFloat = codec<number>(
  (w, v) => {
    const b = Buffer.alloc(4);
    b.writeFloatBE(v);
    w.fixedOpaque(b);
  },
  (r) => r.fixedOpaque(4).readFloatBE(0),
);

export const xdrString = (max: number | null): Codec<string> =>
  codec(
    (w, v) => void w.string(v),
    (r) => r.string(max ?? STRING_MAX),
  );

export const xdrOpaque = (max: number | null): Codec<Buffer> =>
  codec(
    (w, v) => void w.opaque(v),
    (r) => r.opaque(max ?? STRING_MAX),
  );

export const xdrFixedOpaque = (size: number): Codec<Buffer> =>
  codec(
    (w, v) => {
      if (v.length !== size) throw rpcError(`opaque data of ${v.length} bytes where ${size} belong`);
      w.fixedOpaque(v);
    },
    (r) => r.fixedOpaque(size),
  );

export const xdrOptional = <T>(of: Codec<T>): Codec<T | null> =>
  codec(
    (w, v) => void w.optional(v, (w2, x) => of.encode(w2, x)),
    (r) => r.optional((r2) => of.decode(r2)),
  );

export const xdrArray = <T>(of: Codec<T>, max: number | null): Codec<T[]> =>
  codec(
    (w, v) => {
      if (max !== null && v.length > max) throw rpcError(`an array of ${v.length} elements is over the limit of ${max}`);
      w.array(v, (w2, x) => of.encode(w2, x));
    },
    (r) => r.array(max ?? 0xffffffff, (r2) => of.decode(r2)),
  );

export const xdrFixedArray = <T>(of: Codec<T>, count: number): Codec<T[]> =>
  codec(
    (w, v) => {
      if (v.length !== count) throw rpcError(`an array of ${v.length} elements where ${count} belong`);
      for (const x of v) of.encode(w, x);
    },
    (r) => {
      const out: T[] = [];
      for (let i = 0; i < count; i++) out.push(of.decode(r));
      return out;
    },
  );

/** A struct: its fields in order. */
export function xdrStruct<T>(fields: ReadonlyArray<readonly [string, Codec<unknown>]>): Codec<T> {
  return codec<T>(
    (w, v) => {
      const record = v as Record<string, unknown>;
      for (const [name, c] of fields) c.encode(w, record[name]);
    },
    (r) => {
      const record: Record<string, unknown> = {};
      for (const [name, c] of fields) record[name] = c.decode(r);
      return record as T;
    },
  );
}

/**
 * A discriminated union: `{ [discriminant]: value, [arm's field]: … }`. An arm of `void` has no
 * field; a value with no arm and no default arm is refused.
 */
export function xdrUnion<T>(
  discriminant: string,
  arms: ReadonlyMap<number, readonly [string | null, Codec<unknown>]>,
  defaultArm: readonly [string | null, Codec<unknown>] | null,
): Codec<T> {
  const armOf = (value: number) => {
    const arm = arms.get(value) ?? defaultArm;
    if (!arm) throw rpcError(`union case ${value} is unknown`);
    return arm;
  };
  return codec<T>(
    (w, v) => {
      const record = v as Record<string, unknown>;
      const value = record[discriminant] as number;
      const [field, c] = armOf(value);
      w.int(value);
      c.encode(w, field === null ? undefined : record[field]);
    },
    (r) => {
      const value = r.int();
      const [field, c] = armOf(value);
      const decoded = c.decode(r);
      return (field === null ? { [discriminant]: value } : { [discriminant]: value, [field]: decoded }) as T;
    },
  );
}
