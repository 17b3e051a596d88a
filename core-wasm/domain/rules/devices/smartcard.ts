// Smartcards: mode, a passthrough card's character device, a host card's three certificates.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { AttrNumber, attrOf, ctx, err, readEnum } from "../../context";
import { checkChardevSource, Owner } from "../chardev";
import { checkOptionalAddress } from "./address";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

/** <smartcard> */
export function checkSmartcard(n: i32): bool {
  const d = ctx.d;
  if (!readEnum(n, S.mode, "host host-certificates passthrough", attr, true)) return false;
  if (attr.value == 2) {
    if (attrOf(n, S.type) == NONE) {
      err(Code.XML_ERROR).str("passthrough mode requires a character device type attribute");
      return false;
    }
    if (!checkChardevSource(n, Owner.Other, false)) return false;
  } else if (attr.value == 1 && d.countNamed(n, S.certificate) != 3) {
    err(Code.XML_ERROR).str("host-certificates mode needs exactly three certificates");
    return false;
  }
  return checkOptionalAddress(n);
}
