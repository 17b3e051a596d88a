// Helpers shared by the domain rules: reading attributes and text of the document being
// canonicalized, and reporting errors with libvirt's generic wording.
import { ByteBuf } from "../util/bytes";
import { choiceIndex } from "../util/enums";
import { beginError, Code, From } from "../errors";
import { Doc, NONE } from "../xml/dom";
import { appendSymbol, internString } from "../xml/symbols";
import { ParsedI64, ParsedU64, parseI64, parseU64, parseU64Auto } from "./values";

/** Parse and format flags (virDomainDefParseFlags / virDomainXMLFlags as virtkit uses them). */
export const enum Flag {
  SECURE = 1,
  INACTIVE = 2,
}

export class Ctx {
  d: Doc;
  flags: i32 = 0;
  /** Root <domain> element. */
  root: i32 = NONE;
  /** The arch used when <os><type> has none (the driver's default, else the host's). */
  defaultArch: string = "x86_64";
  /** MAC prefix for generated addresses (libvirt's generic default). */
  macPrefix0: u8 = 0x52;
  macPrefix1: u8 = 0x54;
  macPrefix2: u8 = 0x00;
  /**
   * Model type a <video> without one gets. libvirt's generic layer leaves it "default" and then
   * refuses the document; its qemu and test drivers both choose cirrus, and so does virtkit.
   */
  defaultVideoModel: string = "cirrus";
  /** Maximum vCPU count, known after the vcpu rule ran. */
  maxVcpus: i32 = 1;

  constructor(d: Doc) {
    this.d = d;
  }

  get inactive(): bool {
    return (this.flags & Flag.INACTIVE) != 0;
  }
}

export let ctx: Ctx = new Ctx(new Doc());


// ---- reading ----------------------------------------------------------------------------------

/** Attribute handle of element n, or NONE. */
@inline export function attrOf(n: i32, sym: i32): i32 {
  return ctx.d.attr(n, sym);
}

/** True if element n has attribute sym with exactly the text s. */
export function attrIs(n: i32, sym: i32, s: string): bool {
  return ctx.d.attrIs(n, sym, s);
}

export function textIs(n: i32, s: string): bool {
  return ctx.d.textIs(n, s);
}

/**
 * Where an element's text lies in the document buffer: offset in the high 32 bits, length in the
 * low ones. A plain number the caller keeps, so taking it allocates nothing and no later call
 * can change it.
 */
export type TextSpan = u64;

/** The span of element n's text (offset and length 0 when it has none). */
export function textSpan(n: i32): TextSpan {
  const t = ctx.d.textNode(n);
  if (t == NONE) return 0;
  return (<u64>ctx.d.valOffOf(t) << 32) | <u64><u32>ctx.d.valLenOf(t);
}

@inline export function spanOff(span: TextSpan): i32 {
  return <i32>(span >>> 32);
}

@inline export function spanLen(span: TextSpan): i32 {
  return <i32>span;
}

/** True if the element has non-empty text (libvirt treats an empty string as absent). */
export function hasText(n: i32): bool {
  return spanLen(textSpan(n)) > 0;
}

// ---- errors with libvirt's generic wording ------------------------------------------------------

/** Appends the element name of n. */
function putName(b: ByteBuf, n: i32): void {
  appendSymbol(b, ctx.d.nameOf(n));
}

function putAttrValue(b: ByteBuf, a: i32): void {
  b.slice(ctx.d.buf, ctx.d.aOffOf(a), ctx.d.aLenOf(a));
}

/** "Invalid value for attribute 'x' in element 'y': 'v'." (virXMLPropEnum and friends). */
export function invalidAttr(n: i32, sym: i32, expected: string = ""): bool {
  const b = beginError(Code.XML_ERROR, From.XML);
  b.str("Invalid value for attribute '");
  appendSymbol(b, sym);
  b.str("' in element '");
  putName(b, n);
  b.str("': '");
  const a = ctx.d.attr(n, sym);
  if (a != NONE) putAttrValue(b, a);
  b.str("'.");
  if (expected.length > 0) {
    b.byte(32);
    b.str(expected);
  }
  return false;
}

/** "Missing required attribute 'x' in element 'y'". */
export function missingAttr(n: i32, sym: i32): bool {
  const b = beginError(Code.XML_ERROR, From.XML);
  b.str("Missing required attribute '");
  appendSymbol(b, sym);
  b.str("' in element '");
  putName(b, n);
  b.str("'");
  return false;
}

/** "Invalid value for attribute 'x' in element 'y': Zero is not permitted". */
export function zeroAttr(n: i32, sym: i32): bool {
  const b = beginError(Code.XML_ERROR, From.XML);
  b.str("Invalid value for attribute '");
  appendSymbol(b, sym);
  b.str("' in element '");
  putName(b, n);
  b.str("': Zero is not permitted");
  return false;
}

/** Starts an error whose message the caller completes. */
export function err(code: i32, domain: i32 = From.DOMAIN): ByteBuf {
  return beginError(code, domain);
}

/** Appends the value of attribute sym of n to b (nothing if absent). */
export function putAttr(b: ByteBuf, n: i32, sym: i32): void {
  const a = ctx.d.attr(n, sym);
  if (a != NONE) putAttrValue(b, a);
}

export function putText(b: ByteBuf, n: i32): void {
  const text = textSpan(n);
  b.slice(ctx.d.buf, spanOff(text), spanLen(text));
}

// ---- typed attribute readers ------------------------------------------------------------------
// Each returns false (with the error set) when the attribute is present but invalid, or absent
// though required; otherwise `into` says whether it was present and holds its value.

/**
 * What a typed attribute reader found. Each calling module owns its own at module level (no
 * allocation per read), so the value read after a call is the one that call produced.
 */
export class AttrNumber {
  present: bool = false;
  /** The number, or the index into the choices for readEnum (-1 when absent). */
  value: i64 = 0;
}

const unsignedAttr = new ParsedU64();
const signedAttr = new ParsedI64();

/** Unsigned decimal attribute (virXMLPropUInt/ULongLong). */
export function readUnsigned(n: i32, sym: i32, into: AttrNumber, required: bool = false, nonZero: bool = false): bool {
  const a = attrOf(n, sym);
  into.present = a != NONE;
  if (!into.present) return required ? missingAttr(n, sym) : true;
  if (!parseU64(ctx.d.buf, ctx.d.aOffOf(a), ctx.d.aLenOf(a), unsignedAttr) || unsignedAttr.value > 0x7fffffffffffffff) {
    return invalidAttr(n, sym, "Expected non-negative integer value");
  }
  into.value = <i64>unsignedAttr.value;
  if (nonZero && into.value == 0) return zeroAttr(n, sym);
  return true;
}

/** Unsigned attribute read with C base-0 rules (0x hex), as libvirt reads addresses. */
export function readUnsignedAuto(n: i32, sym: i32, into: AttrNumber): bool {
  const a = attrOf(n, sym);
  into.present = a != NONE;
  if (!into.present) return true;
  if (!parseU64Auto(ctx.d.buf, ctx.d.aOffOf(a), ctx.d.aLenOf(a), unsignedAttr) || unsignedAttr.value > 0xffffffff) {
    return invalidAttr(n, sym, "Expected non-negative integer value");
  }
  into.value = <i64>unsignedAttr.value;
  return true;
}

/** Signed decimal attribute (virXMLPropInt / LongLong). */
export function readSigned(n: i32, sym: i32, into: AttrNumber, required: bool = false): bool {
  const a = attrOf(n, sym);
  into.present = a != NONE;
  if (!into.present) return required ? missingAttr(n, sym) : true;
  if (!parseI64(ctx.d.buf, ctx.d.aOffOf(a), ctx.d.aLenOf(a), signedAttr)) return invalidAttr(n, sym, "Expected integer value");
  into.value = signedAttr.value;
  return true;
}

/**
 * Enumerated attribute: `choices` is a space-separated list; the value is the index, or -1 when
 * absent. Like virXMLPropEnum, an unknown value (or a forbidden first value with nonZero) is an error.
 */
export function readEnum(n: i32, sym: i32, choices: string, into: AttrNumber, required: bool = false, nonZero: bool = false): bool {
  const a = attrOf(n, sym);
  into.present = a != NONE;
  into.value = -1;
  if (!into.present) return required ? missingAttr(n, sym) : true;
  const idx = enumIndex(ctx.d.buf, ctx.d.aOffOf(a), ctx.d.aLenOf(a), choices);
  if (idx < 0 || (nonZero && idx == 0)) return invalidAttr(n, sym);
  into.value = idx;
  return true;
}

/** Index of the slice in a space-separated list of choices, or -1. */
export function enumIndex(b: ByteBuf, off: i32, len: i32, choices: string): i32 {
  return choiceIndex(b.ptr + <usize>off, len, choices);
}

/** Text of element n as an index into choices, or -1 (no error reporting). */
export function textEnum(n: i32, choices: string): i32 {
  const text = textSpan(n);
  return enumIndex(ctx.d.buf, spanOff(text), spanLen(text), choices);
}

export function attrEnum(n: i32, sym: i32, choices: string): i32 {
  const a = attrOf(n, sym);
  if (a == NONE) return -1;
  return enumIndex(ctx.d.buf, ctx.d.aOffOf(a), ctx.d.aLenOf(a), choices);
}

/** Symbol id of a name used only by rules (not worth a fixed constant). */
export function sym(name: string): i32 {
  return internString(name);
}

// ---- writing ------------------------------------------------------------------------------------

export function setAttr(n: i32, sym: i32, s: string): void {
  ctx.d.setAttr(n, sym, s);
}

export function setAttrNumber(n: i32, sym: i32, v: u64): void {
  ctx.d.setAttrU64(n, sym, v);
}


/** Re-writes attribute sym of n in hex with the given digit count ("0x" prefix). */
export function setAttrHex(n: i32, sym: i32, v: u64, width: i32): void {
  const off = ctx.d.buf.length;
  ctx.d.buf.str("0x");
  ctx.d.buf.hex(v, width);
  ctx.d.setAttrSlice(n, sym, off, ctx.d.buf.length - off);
}

