// Serialises a Doc the way libvirt writes domain XML: two-space indentation, attributes in
// single quotes, empty elements as <x/>, text-only elements on one line, comments dropped.
// Subtrees that libvirt hands to libxml2 (metadata) are written in libxml2's own style instead.
import { ByteBuf } from "../util/bytes";
import { Doc, Kind, NONE } from "./dom";
import { appendSymbol, symbolLen, symbolPtr } from "./symbols";

/** Which characters an escaping style replaces by entities or character references. */
const enum Escape {
  /** libvirt's virBufferEscapeString: < > & ' " */
  Libvirt = 0,
  /** libxml2 text: < > & and CR */
  LibxmlText = 1,
  /** libxml2 attribute values: < > & " and tab, LF, CR */
  LibxmlAttr = 2,
}

function replacement(c: i32, style: Escape): string | null {
  if (c == 60) return "&lt;";
  if (c == 62) return "&gt;";
  if (c == 38) return "&amp;";
  if (c == 39) return style == Escape.Libvirt ? "&apos;" : null;
  if (c == 34) return style == Escape.LibxmlText ? null : "&quot;";
  if (c == 13) return style == Escape.Libvirt ? null : "&#13;";
  if (c == 10) return style == Escape.LibxmlAttr ? "&#10;" : null;
  if (c == 9) return style == Escape.LibxmlAttr ? "&#9;" : null;
  return null;
}

function escapeStyled(out: ByteBuf, src: ByteBuf, off: i32, len: i32, style: Escape): void {
  const p = src.ptr + <usize>off;
  let run = 0;
  for (let i = 0; i < len; i++) {
    const rep = replacement(<i32>load<u8>(p + <usize>i), style);
    if (rep !== null) {
      out.raw(p + <usize>run, i - run);
      out.str(rep);
      run = i + 1;
    }
  }
  out.raw(p + <usize>run, len - run);
}

/** Appends bytes escaped as libvirt's virBufferEscapeString does: <>&'" become entities. */
export function escapeInto(out: ByteBuf, src: ByteBuf, off: i32, len: i32): void {
  escapeStyled(out, src, off, len, Escape.Libvirt);
}

@inline function hasNoSpecial(src: ByteBuf, off: i32, len: i32): bool {
  const p = src.ptr + <usize>off;
  for (let i = 0; i < len; i++) {
    const c = load<u8>(p + <usize>i);
    if (c == 60 || c == 62 || c == 38 || c == 39 || c == 34) return false;
  }
  return true;
}

export function writeEscaped(out: ByteBuf, src: ByteBuf, off: i32, len: i32): void {
  if (hasNoSpecial(src, off, len)) out.slice(src, off, len);
  else escapeInto(out, src, off, len);
}

function writeAttrs(out: ByteBuf, d: Doc, n: i32): void {
  for (let a = d.attrFirstOf(n); a != NONE; a = d.aNextOf(a)) {
    const name = d.aNameOf(a);
    const nameLen = symbolLen(name);
    const off = d.aOffOf(a);
    const len = d.aLenOf(a);
    // One reservation for the whole attribute (escaping grows a byte to at most six).
    out.ensure(nameLen + len * 6 + 4);
    let p = out.ptr + <usize>out.length;
    store<u8>(p, 32);
    p++;
    const src = symbolPtr(name);
    for (let i = 0; i < nameLen; i++) store<u8>(p + <usize>i, load<u8>(src + <usize>i));
    p += <usize>nameLen;
    store<u16>(p, 0x273d); // ='
    p += 2;
    out.length = <i32>(p - out.ptr);
    if (hasNoSpecial(d.buf, off, len)) {
      const v = d.buf.ptr + <usize>off;
      for (let i = 0; i < len; i++) store<u8>(p + <usize>i, load<u8>(v + <usize>i));
      out.length += len;
    } else escapeInto(out, d.buf, off, len);
    out.byte(39);
  }
}

/** What an element holds, ignoring comments and PIs (which libvirt does not keep). */
const HAS_TEXT: i32 = 1;
const HAS_ELEMENT: i32 = 2;
function contentOf(d: Doc, n: i32): i32 {
  let k = 0;
  for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) {
    const kind = d.kindOf(c);
    if (kind == Kind.Element) k |= HAS_ELEMENT;
    else if (kind == Kind.Text) k |= HAS_TEXT;
  }
  return k;
}

export class WriterOptions {
  /** Element names written as <x>\n</x> even when empty (libvirt does so for <devices>, <redirdev>). */
  alwaysOpen: StaticArray<i32> = [];
  /** Element name whose children are written in libxml2 style (libvirt's <metadata>). */
  libxmlChildren: i32 = -1;
}

const defaultOptions = new WriterOptions();

/** Writes element n at the given indentation (in spaces), followed by a newline. */
export function writeElement(out: ByteBuf, d: Doc, n: i32, indent: i32, opts: WriterOptions = defaultOptions): void {
  const name = d.nameOf(n);
  out.spaces(indent);
  out.byte(60);
  appendSymbol(out, name);
  writeAttrs(out, d, n);
  const content = contentOf(d, n);
  if (content == 0) {
    if (opts.alwaysOpen.includes(name)) {
      out.str(">\n");
      out.spaces(indent);
      out.str("</");
      appendSymbol(out, name);
      out.str(">\n");
    } else out.str("/>\n");
    return;
  }
  out.byte(62);
  if (content == HAS_TEXT) {
    for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) {
      if (d.kindOf(c) == Kind.Text) writeEscaped(out, d.buf, d.valOffOf(c), d.valLenOf(c));
    }
  } else if (content == HAS_ELEMENT) {
    out.byte(10);
    const libxml = name == opts.libxmlChildren;
    for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) {
      if (d.kindOf(c) != Kind.Element) continue;
      if (libxml) {
        out.spaces(indent + 2);
        writeLibxml(out, d, c, indent + 2, true);
        out.byte(10);
      } else writeElement(out, d, c, indent + 2, opts);
    }
    out.spaces(indent);
  } else {
    // Mixed content: keep every character, add no layout of our own.
    for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) writeLibxml(out, d, c, 0, false);
  }
  out.str("</");
  appendSymbol(out, name);
  out.str(">\n");
}

// ---- libxml2 style (xmlNodeDump with formatting), used for <metadata> children --------------------

/** xmlns or xmlns:prefix. */
function isNamespaceDeclaration(name: i32): bool {
  const len = symbolLen(name);
  const p = symbolPtr(name);
  if (len < 5 || load<u8>(p) != 120 || load<u8>(p, 1) != 109 || load<u8>(p, 2) != 108 || load<u8>(p, 3) != 110 || load<u8>(p, 4) != 115) return false;
  return len == 5 || load<u8>(p, 5) == 58;
}

/**
 * Writes node c as libxml2's xmlNodeDump does with format=1: double-quoted attributes, children
 * indented by two spaces per level unless an element holds text, no trailing newline.
 */
export function writeLibxml(out: ByteBuf, d: Doc, c: i32, indent: i32, format: bool): void {
  const kind = d.kindOf(c);
  if (kind == Kind.Text) {
    escapeStyled(out, d.buf, d.valOffOf(c), d.valLenOf(c), Escape.LibxmlText);
    return;
  }
  if (kind == Kind.Comment) {
    out.str("<!--");
    out.slice(d.buf, d.valOffOf(c), d.valLenOf(c));
    out.str("-->");
    return;
  }
  if (kind == Kind.PI) {
    out.str("<?");
    appendSymbol(out, d.nameOf(c));
    if (d.valLenOf(c) > 0) {
      out.byte(32);
      out.slice(d.buf, d.valOffOf(c), d.valLenOf(c));
    }
    out.str("?>");
    return;
  }
  out.byte(60);
  appendSymbol(out, d.nameOf(c));
  // libxml2 keeps namespace declarations apart from attributes and writes them first.
  for (let pass = 0; pass < 2; pass++) {
    for (let a = d.attrFirstOf(c); a != NONE; a = d.aNextOf(a)) {
      if (isNamespaceDeclaration(d.aNameOf(a)) != (pass == 0)) continue;
      out.byte(32);
      appendSymbol(out, d.aNameOf(a));
      out.str("=\"");
      escapeStyled(out, d.buf, d.aOffOf(a), d.aLenOf(a), Escape.LibxmlAttr);
      out.byte(34);
    }
  }
  if (d.firstOf(c) == NONE) {
    out.str("/>");
    return;
  }
  out.byte(62);
  // libxml2 indents children only when none of them is text.
  let layout = format;
  for (let k = d.firstOf(c); k != NONE; k = d.nextOf(k)) {
    if (d.kindOf(k) == Kind.Text) layout = false;
  }
  for (let k = d.firstOf(c); k != NONE; k = d.nextOf(k)) {
    if (layout) {
      out.byte(10);
      out.spaces(indent + 2);
    }
    writeLibxml(out, d, k, indent + 2, layout);
  }
  if (layout) {
    out.byte(10);
    out.spaces(indent);
  }
  out.str("</");
  appendSymbol(out, d.nameOf(c));
  out.byte(62);
}
