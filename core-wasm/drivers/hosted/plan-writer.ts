// Plan lines: fields separated by tabs, with tab, newline and backslash escaped (\t, \n, \\), as
// the supervisor, the VMM and the host read them; and the document's values plans are made of.
import { ByteBuf } from "../../util/bytes";
import { Doc, NONE } from "../../xml/dom";
import { ParsedU64, parseU64 } from "../../domain/values";
import { random_fill } from "../../host";

/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();

/** The text of element n ("" when absent). */
export function text(d: Doc, n: i32): string {
  const t = n == NONE ? NONE : d.textNode(n);
  return t == NONE ? "" : String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.valOffOf(t), <usize>d.valLenOf(t));
}

/** Attribute `name` of element n ("" when absent). */
export function attr(d: Doc, n: i32, name: i32): string {
  const a = n == NONE ? NONE : d.attr(n, name);
  return a == NONE ? "" : String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.aOffOf(a), <usize>d.aLenOf(a));
}

/** A decimal value (0 when it is not one). */
export function number(s: string): u64 {
  const b = String.UTF8.encode(s);
  const buf = new ByteBuf(b.byteLength + 1);
  buf.raw(changetype<usize>(b), b.byteLength);
  return parseU64(buf, 0, b.byteLength, parsed) ? parsed.value : 0;
}

/**
 * A new instance token: 12 random hex digits naming one run of a domain in its runtime files
 * (NAME.TOKEN.status, NAME.TOKEN.sock), so that an instance never touches a later one's files.
 */
export function instanceToken(): string {
  const random = new Uint8Array(6);
  random_fill(changetype<usize>(random.dataStart), 6);
  const bytes = new Array<u32>(6);
  for (let i = 0; i < 6; i++) bytes[i] = random[i];
  return hexOf(bytes);
}

/** Bytes (the low 8 bits of each) as lowercase hex, two digits each: how plan lines carry binary fields. */
export function hexOf(bytes: u32[]): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i] & 0xff).toString(16).padStart(2, "0");
  return out;
}

/** Writes plan lines, escaping each field. */
export class PlanWriter {
  constructor(public out: ByteBuf) {}

  line(fields: string[]): void {
    for (let i = 0; i < fields.length; i++) {
      if (i > 0) this.out.byte(9);
      // byte by byte over the field's UTF-8 (a character outside the BMP stays one character):
      // tab, newline and backslash never occur inside a multi-byte sequence
      const utf8 = String.UTF8.encode(fields[i]);
      const at = changetype<usize>(utf8);
      for (let k = 0; k < utf8.byteLength; k++) {
        const c = <i32>load<u8>(at + <usize>k);
        if (c == 9) this.out.str("\\t");
        else if (c == 10) this.out.str("\\n");
        else if (c == 92) this.out.str("\\\\");
        else this.out.byte(c);
      }
    }
    this.out.byte(10);
  }
}

