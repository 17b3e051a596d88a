// Random number generators: model, one backend, and the backend's source (/dev/random by default).
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { AttrNumber, attrOf, ctx, err, hasText, readEnum } from "../../context";
import { checkChardevSource, Owner } from "../chardev";
import { checkOptionalAddress } from "./address";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

/** <rng> */
export function checkRng(n: i32): bool {
  const d = ctx.d;
  if (!readEnum(n, S.model, "virtio virtio-transitional virtio-non-transitional", attr, true)) return false;
  if (d.countNamed(n, S.backend) != 1) {
    err(Code.XML_ERROR).str("only one RNG backend is supported");
    return false;
  }
  const backend = d.child(n, S.backend);
  if (!readEnum(backend, S.model, "random egd builtin", attr, true)) return false;
  if (attr.value == 0) {
    if (!hasText(backend)) d.setText(backend, "/dev/random");
  } else if (attr.value == 1) {
    if (attrOf(backend, S.type) == NONE) {
      err(Code.XML_ERROR).str("missing EGD backend type");
      return false;
    }
    if (!checkChardevSource(backend, Owner.Other, false)) return false;
  }
  return checkOptionalAddress(n);
}
