// Memory balloons: at most one, and its model.
import { Code } from "../../../errors";
import { S } from "../../../xml/names.gen";
import { AttrNumber, ctx, err, readEnum } from "../../context";
import { checkOptionalAddress } from "./address";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

/** At most one <memballoon>. */
export function checkSingleMemballoon(devices: i32): bool {
  const d = ctx.d;
  if (d.countNamed(devices, S.memballoon) > 1) {
    err(Code.INTERNAL_ERROR).str("only a single memory balloon device is supported");
    return false;
  }
  return true;
}

/** <memballoon> */
export function checkMemballoon(n: i32): bool {
  if (!readEnum(n, S.model, "virtio xen none virtio-transitional virtio-non-transitional", attr, true)) return false;
  return checkOptionalAddress(n);
}
