// Device addresses (<address type='pci|drive|...'>), which most device kinds may carry.
import { Code, From } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { AttrNumber, ctx, err, readEnum, readUnsigned, readUnsignedAuto, setAttr, setAttrHex } from "../../context";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

/** <address type='pci'>: numbers read with C base-0 rules, written 0x%04x/0x%02x/0x%02x/0x%d. */
export function checkAddress(a: i32): bool {
  const d = ctx.d;
  if (!readEnum(a, S.type, "none pci drive virtio-serial ccid usb spapr-vio virtio-s390 ccw virtio-mmio isa dimm unassigned", attr, true, true)) return false;
  if (attr.value == 2) {
    // a drive address names all four coordinates; missing ones are 0
    const fields: StaticArray<i32> = [S.controller, S.bus, S.target, S.unit];
    for (let i = 0; i < 4; i++) {
      if (!readUnsigned(a, fields[i], attr)) return false;
      if (!attr.present) setAttr(a, fields[i], "0");
    }
    return true;
  }
  if (attr.value != 1) return true;
  if (!readUnsignedAuto(a, S.domain, attr)) return false;
  const dom = attr.present ? attr.value : 0;
  if (!readUnsignedAuto(a, S.bus, attr)) return false;
  const bus = attr.present ? attr.value : 0;
  if (!readUnsignedAuto(a, S.slot, attr)) return false;
  const slot = attr.present ? attr.value : 0;
  if (!readUnsignedAuto(a, S.function_, attr)) return false;
  const fn = attr.present ? attr.value : 0;
  if (dom == 0 && bus == 0 && slot == 0) {
    d.removeAttr(a, S.domain);
    d.removeAttr(a, S.bus);
    d.removeAttr(a, S.slot);
    d.removeAttr(a, S.function_);
    return true;
  }
  if (bus > 0xff) return pciRange("bus='0x", bus, "', must be <= 0xFF");
  if (slot > 0x1f) return pciRange("slot='0x", slot, "', must be <= 0x1F");
  if (fn > 7) return pciRange("function=0x", fn, ", must be <= 7");
  setAttrHex(a, S.domain, <u64>dom, 4);
  setAttrHex(a, S.bus, <u64>bus, 2);
  setAttrHex(a, S.slot, <u64>slot, 2);
  setAttrHex(a, S.function_, <u64>fn, 1);
  return true;
}

function pciRange(what: string, v: i64, rest: string): bool {
  const b = err(Code.XML_ERROR, From.NONE);
  b.str("Invalid PCI address ");
  b.str(what);
  b.hex(<u64>v, 1);
  b.str(rest);
  return false;
}

/** The device's own <address>, when it has one. */
export function checkOptionalAddress(n: i32): bool {
  const address = ctx.d.child(n, S.address);
  return address == NONE || checkAddress(address);
}
