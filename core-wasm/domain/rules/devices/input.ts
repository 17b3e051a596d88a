// Input devices: type, and the bus an HVM guest's input gets by default.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { attrEnum, attrOf, ctx, err, putAttr, setAttr } from "../../context";

const INPUT_TYPES = "mouse tablet keyboard passthrough evdev";

export function checkInput(n: i32, hvm: bool): bool {
  if (attrOf(n, S.type) == NONE) {
    err(Code.INTERNAL_ERROR).str("missing input device type");
    return false;
  }
  const type = attrEnum(n, S.type, INPUT_TYPES);
  if (type < 0) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("unknown input device type '");
    putAttr(b, n, S.type);
    b.str("'");
    return false;
  }
  if (attrOf(n, S.bus) != NONE) {
    if (attrEnum(n, S.bus, "default ps2 usb xen parallels virtio none") <= 0) {
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("unknown input bus type '");
      putAttr(b, n, S.bus);
      b.str("'");
      return false;
    }
    if (ctx.d.attrIs(n, S.bus, "none")) ctx.d.removeAttr(n, S.bus);
  } else if (hvm) {
    if (type == 0 || type == 2) setAttr(n, S.bus, "ps2");
    else if (type == 3) setAttr(n, S.bus, "virtio");
    else if (type != 4) setAttr(n, S.bus, "usb");
  }
  return true;
}
