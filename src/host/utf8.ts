// Documents as bytes and as JavaScript strings. libvirt takes a document as bytes, and libxml2
// refuses one that is not UTF-8 ("Input is not proper UTF-8, indicate encoding !"); core.wasm's
// parser does the same on the bytes it is given. So no conversion on the way may repair a
// document: bytes that are not UTF-8 (a file the command line reads) and a string that is not
// well-formed UTF-16 (a lone surrogate given to the API) reach the core as the bytes they stand for.
//
// A file's bytes become a string as Python's "surrogateescape" does: each byte of a sequence
// that is not UTF-8 becomes the lone surrogate U+DC80..U+DCFF; escapedBytes turns those back
// into the bytes, and any other lone surrogate into its three-byte form (as libxml2 would read it:
// "Char 0xD800 out of allowed range"). A valid document takes neither path.
import { isUtf8 } from "node:buffer";

/** The text of bytes read from a file; bytes that are not UTF-8 are kept as lone surrogates. */
export function decodeDocument(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  let text = "";
  const units: number[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      units.push(0xdc00 | bytes[i]);
      i++;
    } else {
      const cp = n === 1 ? bytes[i] : n === 2 ? ((bytes[i] & 0x1f) << 6) | (bytes[i + 1] & 0x3f) : n === 3 ? ((bytes[i] & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f) : ((bytes[i] & 0x07) << 18) | ((bytes[i + 1] & 0x3f) << 12) | ((bytes[i + 2] & 0x3f) << 6) | (bytes[i + 3] & 0x3f);
      if (cp >= 0x10000) units.push(0xd800 | ((cp - 0x10000) >> 10), 0xdc00 | ((cp - 0x10000) & 0x3ff));
      else units.push(cp);
      i += n;
    }
    if (units.length >= 8192) text += String.fromCharCode(...units.splice(0));
  }
  return text + String.fromCharCode(...units);
}

/** The length of the well-formed UTF-8 sequence at bytes[i], or 0 where none starts. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const c = bytes[i];
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < bytes.length && bytes[i + k] >= lo && bytes[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const [lo, hi] = c === 0xe0 ? [0xa0, 0xbf] : c === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const [lo, hi] = c === 0xf0 ? [0x90, 0xbf] : c === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Whether text is well-formed UTF-16 (no lone surrogate): then TextEncoder's bytes are exact. */
export function wellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Writes text as bytes into `out` (room for 3 bytes per code unit), lone surrogates as described
 * above; returns the number of bytes written.
 */
export function escapedBytes(text: string, out: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    } else if (cp >= 0xdc80 && cp <= 0xdcff) {
      out[n++] = cp & 0xff; // an escaped byte
      continue;
    }
    if (cp < 0x80) out[n++] = cp;
    else if (cp < 0x800) {
      out[n++] = 0xc0 | (cp >> 6);
      out[n++] = 0x80 | (cp & 0x3f);
    } else if (cp < 0x10000) {
      out[n++] = 0xe0 | (cp >> 12);
      out[n++] = 0x80 | ((cp >> 6) & 0x3f);
      out[n++] = 0x80 | (cp & 0x3f);
    } else {
      out[n++] = 0xf0 | (cp >> 18);
      out[n++] = 0x80 | ((cp >> 12) & 0x3f);
      out[n++] = 0x80 | ((cp >> 6) & 0x3f);
      out[n++] = 0x80 | (cp & 0x3f);
    }
  }
  return n;
}
