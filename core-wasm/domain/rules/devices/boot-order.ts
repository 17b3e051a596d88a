// Per-device <boot order=N>: each number names one device only.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { IntVec } from "../../../util/intvec";
import { AttrNumber, ctx, err, putAttr, readUnsigned } from "../../context";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

/** A boot order number names one device only. */
export function checkBootOrders(devices: i32): bool {
  const d = ctx.d;
  bootOrders.clear();
  for (let dev = d.firstElement(devices); dev != NONE; dev = d.nextElement(dev)) {
    const boot = d.child(dev, S.boot);
    if (boot == NONE) continue;
    if (!readUnsigned(boot, S.order, attr, true, true)) return false;
    const order = <i32>attr.value;
    for (let i = 0; i < bootOrders.length; i++) {
      if (bootOrders.get(i) != order) continue;
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("boot order '");
      putAttr(b, boot, S.order);
      b.str("' used for more than one device");
      return false;
    }
    bootOrders.push(order);
  }
  return true;
}

const bootOrders = new IntVec(16);
