// Host devices: mode and managed defaults, the host PCI address written in full.
import { Code, From } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { AttrNumber, attrOf, ctx, err, readEnum, readUnsignedAuto, setAttr, setAttrHex } from "../../context";
import { defaultLun } from "./network-source";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

export function checkHostdev(h: i32): bool {
  const d = ctx.d;
  if (attrOf(h, S.mode) == NONE) setAttr(h, S.mode, "subsystem");
  else if (!readEnum(h, S.mode, "subsystem capabilities", attr)) return false;
  if (attrOf(h, S.type) == NONE) {
    const b = err(Code.XML_ERROR, From.XML);
    b.str("Missing required attribute 'type' in element 'hostdev'");
    return false;
  }
  if (d.attrIs(h, S.mode, "subsystem")) {
    if (!d.attrIs(h, S.managed, "yes")) setAttr(h, S.managed, "no");
    const src = d.child(h, S.source);
    if (src != NONE && d.attrIs(h, S.type, "pci")) {
      // the host PCI address is always written in full, even when all zero
      let a = d.child(src, S.address);
      if (a == NONE) a = d.addElement(src, S.address);
      const fields: StaticArray<i32> = [S.domain, S.bus, S.slot, S.function_];
      const widths: StaticArray<i32> = [4, 2, 2, 1];
      for (let i = 0; i < 4; i++) {
        if (!readUnsignedAuto(a, fields[i], attr)) return false;
        setAttrHex(a, fields[i], attr.present ? <u64>attr.value : 0, widths[i]);
      }
    }
    if (src != NONE && d.attrIs(src, S.protocol, "iscsi")) defaultLun(src);
  }
  return true;
}
