// virtkit's values in their wire forms and back: domains and networks (name, 16-byte UUID, id),
// typed parameters, C strings sent as arrays of chars, and errors (remote_error). Shared by the
// daemon and the remote client.
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import { uuidString, uuidWords, type DomainRef, type NetworkRef, type TypedParameter } from "../drivers/driver.js";
import type { remote_error, remote_nonnull_domain, remote_nonnull_network, remote_typed_param } from "./remote-protocol.gen.js";

export function uuidBytes(words: readonly [number, number, number, number]): Buffer {
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt32BE(w >>> 0, i * 4));
  return b;
}

export function uuidFromBytes(bytes: Uint8Array): [number, number, number, number] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)];
}

export const wireDomain = (ref: DomainRef): remote_nonnull_domain => ({ name: ref.name, uuid: uuidBytes(ref.uuid), id: ref.id });
export const domainRef = (d: remote_nonnull_domain): DomainRef => ({ name: d.name, uuid: uuidFromBytes(d.uuid), id: d.id });

export const wireNetwork = (ref: NetworkRef): remote_nonnull_network => ({ name: ref.name, uuid: uuidBytes(ref.uuid) });
export const networkRef = (n: remote_nonnull_network): NetworkRef => ({ name: n.name, uuid: uuidFromBytes(n.uuid) });

/** An object (network, storage pool) named by a summary's strings: its name and 16-byte UUID. */
export function wireNamed(name: string, uuid: string): { name: string; uuid: Buffer } {
  return { name, uuid: uuidBytes(uuidWords(uuid) ?? [0, 0, 0, 0]) };
}

/** A 16-byte UUID in canonical text. */
export const uuidText = (bytes: Uint8Array): string => uuidString(uuidFromBytes(bytes));

/** virTypedParameterType values. */
const INT = 1;
const UINT = 2;
const LLONG = 3;
const ULLONG = 4;
const DOUBLE = 5;
const BOOLEAN = 6;
const STRING = 7;

export function wireParam(p: TypedParameter): remote_typed_param {
  const n = (v: TypedParameter["value"]) => (typeof v === "boolean" ? (v ? 1 : 0) : Number(v));
  const big = (v: TypedParameter["value"]) => (typeof v === "bigint" ? v : BigInt(Math.trunc(n(v))));
  switch (p.type) {
    case INT:
      return { field: p.field, value: { type: INT, i: n(p.value) } };
    case UINT:
      return { field: p.field, value: { type: UINT, ui: n(p.value) } };
    case LLONG:
      return { field: p.field, value: { type: LLONG, l: big(p.value) } };
    case ULLONG:
      return { field: p.field, value: { type: ULLONG, ul: big(p.value) } };
    case DOUBLE:
      return { field: p.field, value: { type: DOUBLE, d: n(p.value) } };
    case BOOLEAN:
      return { field: p.field, value: { type: BOOLEAN, b: n(p.value) } };
    default:
      return { field: p.field, value: { type: STRING, s: String(p.value) } };
  }
}

export function paramFromWire(p: remote_typed_param): TypedParameter {
  const v = p.value;
  switch (v.type) {
    case INT:
      return { field: p.field, type: INT, value: v.i };
    case UINT:
      return { field: p.field, type: UINT, value: v.ui };
    case LLONG:
      return { field: p.field, type: LLONG, value: v.l };
    case ULLONG:
      return { field: p.field, type: ULLONG, value: v.ul };
    case DOUBLE:
      return { field: p.field, type: DOUBLE, value: v.d };
    case BOOLEAN:
      return { field: p.field, type: BOOLEAN, value: v.b !== 0 };
    default:
      return { field: p.field, type: STRING, value: v.s };
  }
}

/** A C string as libvirt sends it in `char x<MAX>`: its bytes and the trailing NUL, a word each. */
export function wireChars(s: string): number[] {
  return [...Buffer.from(s, "utf8")].map((b) => (b > 127 ? b - 256 : b)).concat(0);
}

/** A fixed `char x[N]` field: the string's bytes, NUL-padded to N. */
export function wireFixedChars(s: string, size: number): number[] {
  const chars = wireChars(s).slice(0, size - 1);
  return chars.concat(Array(size - chars.length).fill(0));
}

export function charsFromWire(chars: readonly number[]): string {
  const end = chars.indexOf(0);
  return Buffer.from((end < 0 ? chars : chars.slice(0, end)).map((c) => c & 0xff)).toString("utf8");
}

/** VIR_ERR_ERROR */
const LEVEL_ERROR = 2;

export function wireError(e: unknown): remote_error {
  const err = e instanceof VirtError ? e : new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_RPC, `internal error: ${e instanceof Error ? e.message : String(e)}`);
  return { code: err.code, domain: err.domain, message: err.message, level: LEVEL_ERROR, dom: null, str1: null, str2: null, str3: null, int1: 0, int2: 0, net: null };
}

export function errorFromWire(e: remote_error): VirtError {
  return new VirtError(e.code, e.domain, e.message ?? "unknown error");
}
