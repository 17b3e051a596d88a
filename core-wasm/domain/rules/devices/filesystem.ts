// Filesystems: type and access mode defaults, a RAM filesystem's usage in KiB.
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { AttrNumber, attrOf, ctx, invalidAttr, readEnum, setAttr, setAttrNumber } from "../../context";
import { scaleToKiB, SizeKiB } from "../memory";
import { ParsedU64, parseU64 } from "../../values";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();
const kib = new SizeKiB();

export function checkFilesystem(fs: i32): bool {
  const d = ctx.d;
  if (attrOf(fs, S.type) == NONE) setAttr(fs, S.type, "mount");
  else if (!readEnum(fs, S.type, "mount block file template ram bind volume", attr)) return false;
  const src = d.child(fs, S.source);
  if (attrOf(fs, S.accessmode) == NONE) {
    if (src == NONE || attrOf(src, S.socket) == NONE) setAttr(fs, S.accessmode, "passthrough");
  } else if (!readEnum(fs, S.accessmode, "default passthrough mapped squash", attr)) return false;
  if (d.attrIs(fs, S.type, "ram") && src != NONE && attrOf(src, S.usage) != NONE) {
    const u = attrOf(src, S.usage);
    if (!parseU64(d.buf, d.aOffOf(u), d.aLenOf(u), parsed)) return invalidAttr(src, S.usage, "Expected non-negative integer value");
    if (!scaleToKiB(src, parsed.value, S.units, kib)) return false;
    setAttrNumber(src, S.usage, kib.value);
    setAttr(src, S.units, "KiB");
  }
  return true;
}
