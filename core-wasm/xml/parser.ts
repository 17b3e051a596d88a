// XML 1.0 parser over UTF-8 bytes in linear memory, building a Doc. It never traps on bad input:
// every problem becomes a VIR_ERR_XML_DETAIL error worded as libxml2 words it, prefixed the way
// libvirt reports parser errors ("(domain_definition):LINE: message", the line, a caret).
// No DTD support at all: a DOCTYPE is refused, so no entity can ever be declared or expanded.
import { ByteBuf } from "../util/bytes";
import { IntVec } from "../util/intvec";
import { beginError, Code, From } from "../errors";
import { Doc, Kind, NONE } from "./dom";
import { appendSymbol, dropTemporaryNames, internShort } from "./symbols";

/** libxml2's default nesting limit (without XML_PARSE_HUGE); it lets one level more through. */
export const MAX_DEPTH: i32 = 256;
/** Largest document accepted: libvirt's own clients refuse XML files above 10 MiB. */
export const MAX_DOCUMENT_BYTES: i32 = 10 * 1024 * 1024;

let doc: Doc = new Doc();
let base: usize = 0;
let end: i32 = 0;
let pos: i32 = 0;
let failed: bool = false;
let sourceName: string = "(domain_definition)";
const openStack = new IntVec(64);
/** For duplicate-attribute checks in O(1): per symbol, the element (+1) that last used it. */
const attrOwner = new IntVec(1024);

@inline function at(i: i32): i32 {
  return <i32>load<u8>(base + <usize>i);
}

@inline function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x0a || c == 0x09 || c == 0x0d;
}

@inline function isNameStart(c: i32): bool {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c == 58 || c >= 0x80;
}

@inline function isNameChar(c: i32): bool {
  return isNameStart(c) || (c >= 48 && c <= 57) || c == 45 || c == 46;
}

function lineAt(p: i32): i32 {
  let line = 1;
  const limit = p < end ? p : end;
  for (let i = 0; i < limit; i++) if (at(i) == 10) line++;
  return line;
}

/**
 * Starts a parser error at byte offset `where`. The message is finished by the caller through the
 * returned buffer and then closed by finishError(), which adds libvirt's context line and caret.
 */
let errorAt: i32 = 0;
function beginSyntaxError(where: i32): ByteBuf {
  failed = true;
  errorAt = where;
  const b = beginError(Code.XML_DETAIL, From.DOMAIN);
  b.str(sourceName);
  b.byte(58);
  b.u64(<u64>lineAt(where));
  b.str(": ");
  return b;
}

/** Appends "<context line>\n<dashes>^" as libvirt does after libxml2's message (which ends in \n). */
function finishError(b: ByteBuf): bool {
  // libvirt backs up over line ends, then to the start of the line holding the error position.
  let cur = errorAt < end ? errorAt : end;
  while (cur > 0 && cur < end && (at(cur) == 10 || at(cur) == 13)) cur--;
  while (cur > 0 && (cur >= end || (at(cur) != 10 && at(cur) != 13))) cur--;
  if (cur < end && (at(cur) == 10 || at(cur) == 13)) cur++;
  const col = errorAt - cur;
  let stop = cur;
  while (stop < end && at(stop) != 10 && at(stop) != 13 && at(stop) != 0) stop++;
  if (stop == cur) {
    b.str("(null)\n^");
    return false;
  }
  b.raw(base + <usize>cur, stop - cur);
  b.byte(10);
  for (let i = 0; i < col && cur + i < stop; i++) b.byte(at(cur + i) == 9 ? 9 : 45);
  b.byte(94);
  return false;
}

function syntaxError(where: i32, message: string): bool {
  const b = beginSyntaxError(where);
  b.str(message);
  return finishError(b);
}

function appendName(b: ByteBuf, n: i32): void {
  appendSymbol(b, doc.nameOf(n));
}

// ---- character-level checks ---------------------------------------------------------------------

/**
 * Rejects bytes that may not appear in an XML document: invalid UTF-8, NUL and other C0 controls,
 * UTF-16 surrogates and U+FFFE/U+FFFF. ASCII is skipped eight bytes at a time.
 */
function checkCharacters(): bool {
  let i = 0;
  while (i < end) {
    if (i + 8 <= end) {
      const w = load<u64>(base + <usize>i);
      // No high bit set and no byte below 0x20: add 0x60 to each byte, a byte < 0x20 stays < 0x80.
      if ((w & 0x8080808080808080) == 0 && ((w + 0x6060606060606060) & 0x8080808080808080) == 0x8080808080808080) {
        i += 8;
        continue;
      }
    }
    const c = at(i);
    if (c < 0x80) {
      if (c < 0x20 && c != 9 && c != 10 && c != 13) {
        const b = beginSyntaxError(i);
        if (c == 0) b.str("Char 0x0 out of allowed range\n");
        else {
          b.str("PCDATA invalid Char value ");
          b.u64(<u64>c);
          b.byte(10);
        }
        return finishError(b);
      }
      i++;
      continue;
    }
    let need = 0;
    let cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
    } else return utf8Error(i);
    if (i + need >= end) return utf8Error(i);
    for (let k = 1; k <= need; k++) {
      const cc = at(i + k);
      if ((cc & 0xc0) != 0x80) return utf8Error(i);
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff))) return utf8Error(i);
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff) {
      const b = beginSyntaxError(i);
      b.str("Char 0x");
      b.hex(<u64>cp, 0);
      b.str(" out of allowed range\n");
      // libxml2 prints the code point in upper case
      upperHexTail(b);
      return finishError(b);
    }
    i += need + 1;
  }
  return true;
}

function upperHexTail(b: ByteBuf): void {
  // Upper-cases the hex digits written after "Char 0x" (the message's only lowercase letters a-f
  // are those digits, and they sit between "0x" and " out").
  let i = b.length - 1;
  while (i > 0 && b.at(i) != 120) i--;
  for (let k = i + 1; k < b.length && b.at(k) != 32; k++) {
    const ch = b.at(k);
    if (ch >= 97 && ch <= 102) store<u8>(b.ptr + <usize>k, ch - 32);
  }
}

function utf8Error(i: i32): bool {
  const b = beginSyntaxError(i);
  b.str("Input is not proper UTF-8, indicate encoding !\nBytes:");
  for (let k = 0; k < 4; k++) {
    b.str(" 0x");
    const v = i + k < end ? at(i + k) : 0;
    b.hex(<u64>v, 2);
  }
  upperHexBytes(b);
  b.byte(10);
  return finishError(b);
}

function upperHexBytes(b: ByteBuf): void {
  // The four byte values just written: upper-case their hex digits as libxml2 does.
  for (let k = b.length - 19; k < b.length; k++) {
    const ch = b.at(k);
    if (ch >= 97 && ch <= 102) store<u8>(b.ptr + <usize>k, ch - 32);
  }
}

// ---- names, entities and values -------------------------------------------------------------------

/** Reads a Name at pos; returns its symbol id or -1 (pos unchanged) when there is none. */
function readName(): i32 {
  const start = pos;
  if (pos >= end || !isNameStart(at(pos))) return -1;
  pos++;
  while (pos < end && isNameChar(at(pos))) pos++;
  return internShort(base + <usize>start, pos - start);
}

@inline function skipSpaces(): void {
  while (pos < end && isSpace(at(pos))) pos++;
}

function startsWith(p: i32, s: string): bool {
  const n = s.length;
  if (p + n > end) return false;
  const src = changetype<usize>(s);
  for (let i = 0; i < n; i++) if (at(p + i) != <i32>load<u16>(src + (<usize>i << 1))) return false;
  return true;
}

function isXmlChar(cp: i32): bool {
  return cp == 9 || cp == 10 || cp == 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function putCodePoint(out: ByteBuf, cp: i32): void {
  if (cp < 0x80) out.byte(cp);
  else if (cp < 0x800) {
    out.byte(0xc0 | (cp >> 6));
    out.byte(0x80 | (cp & 63));
  } else if (cp < 0x10000) {
    out.byte(0xe0 | (cp >> 12));
    out.byte(0x80 | ((cp >> 6) & 63));
    out.byte(0x80 | (cp & 63));
  } else {
    out.byte(0xf0 | (cp >> 18));
    out.byte(0x80 | ((cp >> 12) & 63));
    out.byte(0x80 | ((cp >> 6) & 63));
    out.byte(0x80 | (cp & 63));
  }
}

/** Decodes the reference at pos ('&' ...) into out; pos ends after ';'. */
function decodeReference(out: ByteBuf): bool {
  pos++;
  if (pos < end && at(pos) == 35) {
    pos++;
    let hex = false;
    if (pos < end && at(pos) == 120) {
      hex = true;
      pos++;
    }
    let v: i64 = 0;
    let digits = 0;
    while (pos < end) {
      const c = at(pos);
      let d = -1;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (hex && c >= 97 && c <= 102) d = c - 87;
      else if (hex && c >= 65 && c <= 70) d = c - 55;
      if (d < 0) break;
      if (v <= 0x110000) v = v * (hex ? 16 : 10) + d;
      digits++;
      pos++;
    }
    if (digits == 0 || pos >= end || at(pos) != 59) return syntaxError(pos, hex ? "xmlParseCharRef: invalid hexadecimal value\n" : "xmlParseCharRef: invalid decimal value\n");
    pos++;
    if (v > 0x10ffff || !isXmlChar(<i32>v)) {
      const b = beginSyntaxError(pos);
      b.str("xmlParseCharRef: invalid xmlChar value ");
      b.u64(<u64>(v > 0x10ffff ? 0x110000 : v));
      b.byte(10);
      return finishError(b);
    }
    putCodePoint(out, <i32>v);
    return true;
  }
  const nameStart = pos;
  while (pos < end && isNameChar(at(pos))) pos++;
  if (pos == nameStart) return syntaxError(pos, "xmlParseEntityRef: no name\n");
  const nameEnd = pos;
  if (pos >= end || at(pos) != 59) return syntaxError(pos, "EntityRef: expecting ';'\n");
  pos++;
  const n = nameEnd - nameStart;
  const c0 = at(nameStart);
  if (n == 2 && c0 == 108 && at(nameStart + 1) == 116) out.byte(60); // lt
  else if (n == 2 && c0 == 103 && at(nameStart + 1) == 116) out.byte(62); // gt
  else if (n == 3 && startsWith(nameStart, "amp")) out.byte(38);
  else if (n == 4 && startsWith(nameStart, "apos")) out.byte(39);
  else if (n == 4 && startsWith(nameStart, "quot")) out.byte(34);
  else {
    const b = beginSyntaxError(pos);
    b.str("Entity '");
    b.raw(base + <usize>nameStart, n);
    b.str("' not defined\n");
    return finishError(b);
  }
  return true;
}

/** Parses a quoted attribute value and attaches it to element n as attribute `name`. */
function parseAttrValue(n: i32, name: i32): bool {
  const q = pos < end ? at(pos) : 0;
  if (q != 34 && q != 39) return syntaxError(pos, "AttValue: \" or ' expected\n");
  pos++;
  const start = pos;
  // Fast path: no reference and no whitespace to normalise.
  while (pos < end) {
    const c = at(pos);
    if (c == q || c == 38 || c == 60 || c == 9 || c == 10 || c == 13) break;
    pos++;
  }
  if (pos < end && at(pos) == q) {
    doc.addAttrSlice(n, name, start, pos - start);
    pos++;
    return true;
  }
  // Slow path: decode into the document buffer (never reallocates: see parseDocument).
  const out = doc.buf;
  const off = out.length;
  out.raw(base + <usize>start, pos - start);
  while (true) {
    if (pos >= end) return syntaxError(pos, "AttValue: ' expected\n");
    const c = at(pos);
    if (c == q) break;
    if (c == 60) return syntaxError(pos, "Unescaped '<' not allowed in attributes values\n");
    if (c == 38) {
      if (!decodeReference(out)) return false;
      continue;
    }
    if (c == 13) {
      // Line ends are normalised first (CR LF and CR become LF), then to a space.
      out.byte(32);
      pos++;
      if (pos < end && at(pos) == 10) pos++;
      continue;
    }
    out.byte(c == 9 || c == 10 ? 32 : c);
    pos++;
  }
  pos++;
  doc.addAttrSlice(n, name, off, out.length - off);
  return true;
}

// ---- markup -------------------------------------------------------------------------------------

function parseComment(parent: i32): bool {
  const start = pos;
  pos += 4;
  const textStart = pos;
  while (true) {
    if (pos + 2 >= end) return syntaxError(start, "Comment not terminated \n");
    if (at(pos) == 45 && at(pos + 1) == 45) {
      if (at(pos + 2) != 62) return syntaxError(pos, "Double hyphen within comment\n");
      break;
    }
    pos++;
  }
  if (parent != NONE) {
    const c = doc.newNode(Kind.Comment, 0, start);
    doc.setValOff(c, textStart);
    doc.setValLen(c, pos - textStart);
    doc.appendChild(parent, c);
  }
  pos += 3;
  return true;
}

function parsePI(parent: i32): bool {
  const start = pos;
  pos += 2;
  const target = readName();
  if (target < 0) return syntaxError(pos, "xmlParsePI : no target name\n");
  const nameLen = pos - start - 2;
  if (nameLen == 3 && (at(start + 2) | 32) == 120 && (at(start + 3) | 32) == 109 && (at(start + 4) | 32) == 108) {
    return syntaxError(pos, "XML declaration allowed only at the start of the document\n");
  }
  const textStart = pos;
  while (true) {
    if (pos + 1 >= end) return syntaxError(start, "PI processing instruction never ends\n");
    if (at(pos) == 63 && at(pos + 1) == 62) break;
    pos++;
  }
  if (parent != NONE) {
    const p = doc.newNode(Kind.PI, target, start);
    let s = textStart;
    while (s < pos && isSpace(at(s))) s++;
    doc.setValOff(p, s);
    doc.setValLen(p, pos - s);
    doc.appendChild(parent, p);
  }
  pos += 2;
  return true;
}

/** Parses `<?xml version=... encoding=... standalone=...?>`; only UTF-8 (or ASCII) is accepted. */
function parseXmlDecl(): bool {
  pos += 5;
  skipSpaces();
  if (!startsWith(pos, "version")) return syntaxError(pos, "Malformed declaration expecting version\n");
  while (pos < end && at(pos) != 63) {
    if (startsWith(pos, "encoding")) {
      pos += 8;
      skipSpaces();
      if (pos >= end || at(pos) != 61) return syntaxError(pos, "Blank needed here\n");
      pos++;
      skipSpaces();
      const q = pos < end ? at(pos) : 0;
      if (q != 34 && q != 39) return syntaxError(pos, "String not started expecting ' or \"\n");
      pos++;
      const s = pos;
      while (pos < end && at(pos) != q) pos++;
      if (pos >= end) return syntaxError(pos, "String not closed expecting \" or '\n");
      const n = pos - s;
      let ok = false;
      if (n <= 8) {
        // utf-8, utf8, us-ascii, ascii in any case
        let lower = "";
        for (let k = 0; k < n; k++) lower += String.fromCharCode(at(s + k) | 32);
        ok = lower == "utf-8" || lower == "utf8" || lower == "us-ascii" || lower == "ascii";
      }
      if (!ok) {
        const b = beginSyntaxError(pos);
        b.str("Unsupported encoding ");
        b.raw(base + <usize>s, n);
        b.byte(10);
        return finishError(b);
      }
    }
    pos++;
  }
  if (!startsWith(pos, "?>")) return syntaxError(pos, "parsing XML declaration: '?>' expected\n");
  pos += 2;
  return true;
}

/** Whitespace, comments and PIs outside the root element. Refuses any DOCTYPE. */
function skipMisc(): bool {
  while (pos < end) {
    const c = at(pos);
    if (isSpace(c)) {
      pos++;
    } else if (startsWith(pos, "<!--")) {
      if (!parseComment(NONE)) return false;
    } else if (startsWith(pos, "<?")) {
      if (!parsePI(NONE)) return false;
    } else if (startsWith(pos, "<!DOCTYPE") || startsWith(pos, "<!ENTITY")) {
      // libxml2 would read the DTD; virtkit never does, so entity expansion cannot happen.
      const b = beginError(Code.XML_ERROR, From.DOMAIN);
      b.str("document type declarations are not allowed (line ");
      b.u64(<u64>lineAt(pos));
      b.str(")");
      failed = true;
      return false;
    } else break;
  }
  return true;
}

function unfinishedStartTag(name: i32, tagPos: i32): void {
  const b = beginSyntaxError(pos);
  b.str("Couldn't find end of Start Tag ");
  appendSymbol(b, name);
  b.str(" line ");
  b.u64(<u64>lineAt(tagPos));
  b.byte(10);
  finishError(b);
}

/**
 * Parses a start tag at pos ('<' name attrs ('>' | '/>')). Returns the new element or NONE on
 * error; selfClosed tells whether it ended with '/>'.
 */
let selfClosed: bool = false;
function parseStartTag(): i32 {
  const tagPos = pos;
  pos++;
  const name = readName();
  if (name < 0) {
    syntaxError(pos, "StartTag: invalid element name\n");
    return NONE;
  }
  const n = doc.newNode(Kind.Element, name, tagPos);
  // libxml2 reports a repeated attribute once the whole start tag is read
  let duplicate = -1;
  while (true) {
    const hadSpace = pos < end && isSpace(at(pos));
    skipSpaces();
    if (pos >= end) {
      unfinishedStartTag(name, tagPos);
      return NONE;
    }
    const c = at(pos);
    if (duplicate >= 0 && (c == 62 || c == 47)) {
      const b = beginSyntaxError(pos);
      b.str("Attribute ");
      appendSymbol(b, duplicate);
      b.str(" redefined\n");
      finishError(b);
      return NONE;
    }
    if (c == 62) {
      pos++;
      selfClosed = false;
      return n;
    }
    if (c == 47) {
      if (pos + 1 < end && at(pos + 1) == 62) {
        pos += 2;
        selfClosed = true;
        return n;
      }
      unfinishedStartTag(name, tagPos);
      return NONE;
    }
    if (!hadSpace) {
      syntaxError(pos, "attributes construct error\n");
      return NONE;
    }
    const an = readName();
    if (an < 0) {
      syntaxError(pos, "attributes construct error\n");
      return NONE;
    }
    skipSpaces();
    if (pos >= end || at(pos) != 61) {
      const b = beginSyntaxError(pos);
      b.str("Specification mandates value for attribute ");
      appendSymbol(b, an);
      b.byte(10);
      finishError(b);
      return NONE;
    }
    pos++;
    skipSpaces();
    while (attrOwner.length <= an) attrOwner.push(0);
    if (attrOwner.get(an) == n + 1) {
      if (duplicate < 0) duplicate = an;
      if (!parseAttrValue(n, an)) return NONE;
      continue; // the error is reported at the end of the tag
    }
    attrOwner.set(an, n + 1);
    if (!parseAttrValue(n, an)) return NONE;
  }
}

/** Character data up to the next '<'; whitespace-only runs are kept only as an element's sole content. */
function parseText(parent: i32): bool {
  const start = pos;
  let plain = true;
  let blank = true;
  while (pos < end) {
    const c = at(pos);
    if (c == 60) break;
    if (c == 38 || c == 13) plain = false;
    else if (c == 93 && pos + 2 < end && at(pos + 1) == 93 && at(pos + 2) == 62) return syntaxError(pos, "Sequence ']]>' not allowed in content\n");
    if (!isSpace(c)) blank = false;
    pos++;
  }
  if (blank) {
    // Indentation between elements carries no data; keep blanks only in an otherwise empty element.
    if (doc.firstOf(parent) != NONE || !(pos + 1 < end && at(pos + 1) == 47)) return true;
  }
  let off = start;
  let len = pos - start;
  if (!plain) {
    const out = doc.buf;
    off = out.length;
    let p = start;
    pos = start;
    while (pos < end && at(pos) != 60) {
      const c = at(pos);
      if (c == 38) {
        out.raw(base + <usize>p, pos - p);
        if (!decodeReference(out)) return false;
        p = pos;
      } else if (c == 13) {
        out.raw(base + <usize>p, pos - p);
        out.byte(10);
        pos++;
        if (pos < end && at(pos) == 10) pos++;
        p = pos;
      } else pos++;
    }
    out.raw(base + <usize>p, pos - p);
    len = out.length - off;
  }
  appendText(parent, off, len, start);
  return true;
}

/** Adds text to parent, merging with a directly preceding text node (text split by CDATA). */
function appendText(parent: i32, off: i32, len: i32, where: i32): void {
  const last = doc.lastOf(parent);
  if (last != NONE && doc.kindOf(last) == Kind.Text) {
    const out = doc.buf;
    const merged = out.length;
    out.slice(out, doc.valOffOf(last), doc.valLenOf(last));
    out.slice(out, off, len);
    doc.setValOff(last, merged);
    doc.setValLen(last, out.length - merged);
    return;
  }
  const t = doc.newNode(Kind.Text, 0, where);
  doc.setValOff(t, off);
  doc.setValLen(t, len);
  doc.appendChild(parent, t);
}

function parseCData(parent: i32): bool {
  const start = pos;
  pos += 9;
  const textStart = pos;
  while (true) {
    if (pos + 2 >= end) return syntaxError(start, "CData section not finished\n");
    if (at(pos) == 93 && at(pos + 1) == 93 && at(pos + 2) == 62) break;
    pos++;
  }
  appendText(parent, textStart, pos - textStart, start);
  pos += 3;
  return true;
}

function parseEndTag(open: i32): bool {
  pos += 2;
  const nameStart = pos;
  const name = readName();
  if (name != doc.nameOf(open)) {
    // libxml2 reports the mismatch after reading the whole end tag
    let where = pos;
    while (where < end && isSpace(at(where))) where++;
    if (where < end && at(where) == 62) where++;
    const b = beginSyntaxError(where);
    b.str("Opening and ending tag mismatch: ");
    appendName(b, open);
    b.str(" line ");
    b.u64(<u64>lineAt(doc.posOf(open)));
    b.str(" and ");
    if (name >= 0) appendSymbol(b, name);
    else b.raw(base + <usize>nameStart, 0);
    b.byte(10);
    return finishError(b);
  }
  skipSpaces();
  if (pos >= end || at(pos) != 62) {
    if (pos >= end) return prematureEnd(open);
    return syntaxError(pos, "expected '>'\n");
  }
  pos++;
  return true;
}

function prematureEnd(open: i32): bool {
  const b = beginSyntaxError(end);
  b.str("Premature end of data in tag ");
  appendName(b, open);
  b.str(" line ");
  b.u64(<u64>lineAt(doc.posOf(open)));
  b.byte(10);
  return finishError(b);
}

/** Parses the content of the root element and everything below it, without recursion. */
function parseContent(root: i32): bool {
  openStack.clear();
  openStack.push(root);
  while (openStack.length > 0) {
    const open = openStack.last();
    if (pos >= end) return prematureEnd(open);
    const c = at(pos);
    if (c != 60) {
      if (!parseText(open)) return false;
      continue;
    }
    const c1 = pos + 1 < end ? at(pos + 1) : 0;
    if (c1 == 47) {
      if (!parseEndTag(open)) return false;
      openStack.pop();
    } else if (c1 == 33) {
      if (startsWith(pos, "<!--")) {
        if (!parseComment(open)) return false;
      } else if (startsWith(pos, "<![CDATA[")) {
        if (!parseCData(open)) return false;
      } else return syntaxError(pos + 2, "StartTag: invalid element name\n");
    } else if (c1 == 63) {
      if (!parsePI(open)) return false;
    } else {
      if (openStack.length > MAX_DEPTH) {
        const b = beginSyntaxError(pos);
        b.str("Excessive depth in document: ");
        b.u64(<u64>MAX_DEPTH);
        b.str(" use XML_PARSE_HUGE option\n");
        return finishError(b);
      }
      const child = parseStartTag();
      if (child == NONE) return false;
      doc.appendChild(open, child);
      if (!selfClosed) openStack.push(child);
    }
  }
  return true;
}

/**
 * Parses the `len` bytes at the start of d.buf into d. On failure returns false with the error set.
 * The caller must have reserved at least 2 * len bytes in d.buf (see reserveInput), so decoded
 * values appended during the parse never move the buffer.
 */
export function parseDocument(d: Doc, len: i32, source: string): bool {
  // Checked before touching the buffer: the host does not copy a document this large.
  if (len > MAX_DOCUMENT_BYTES) {
    const b = beginError(Code.XML_ERROR, From.DOMAIN);
    b.str("document is too large (");
    b.u64(<u64>len);
    b.str(" bytes, at most ");
    b.u64(<u64>MAX_DOCUMENT_BYTES);
    b.str(" allowed)");
    return false;
  }
  dropTemporaryNames();
  doc = d;
  sourceName = source;
  failed = false;
  d.reset(len);
  memory.fill(attrOwner.ptr, 0, <usize>attrOwner.length << 2);
  base = d.buf.ptr;
  end = len;
  pos = 0;
  if (!checkCharacters()) return false;
  if (len >= 3 && at(0) == 0xef && at(1) == 0xbb && at(2) == 0xbf) pos = 3;
  if (startsWith(pos, "<?xml") && pos + 5 < end && isSpace(at(pos + 5))) {
    if (!parseXmlDecl()) return false;
  }
  if (!skipMisc()) return false;
  if (pos >= end) return syntaxError(end, "Document is empty\n");
  if (at(pos) != 60) return syntaxError(pos, "Start tag expected, '<' not found\n");
  const root = parseStartTag();
  if (root == NONE) return false;
  d.root = root;
  if (!selfClosed && !parseContent(root)) return false;
  if (!skipMisc()) return false;
  if (pos < end) return syntaxError(pos, "Extra content at the end of the document\n");
  return !failed;
}

/** Copies `bytes` (UTF-8) into `d`'s buffer as the input to parse next; returns their length. */
export function copyIntoDoc(d: Doc, bytes: ArrayBuffer): i32 {
  memory.copy(reserveInput(d, bytes.byteLength), changetype<usize>(bytes), <usize>bytes.byteLength);
  return bytes.byteLength;
}

/** Makes room for an input of len bytes plus everything parsing may append; returns its address. */
export function reserveInput(d: Doc, len: i32): usize {
  d.buf.length = 0;
  d.buf.reserve(len * 2 + 1024);
  return d.buf.ptr;
}
