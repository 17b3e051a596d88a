// Smartcards: mode, a passthrough card's character device, a host card's three certificates.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { attrOf, ctx, err, readEnum, value } from "../../context";
import { checkChardevSource, Owner } from "../chardev";
import { checkOptionalAddress } from "./address";

/** <smartcard> */
export function checkSmartcard(n: i32): bool {
  const d = ctx.d;
  if (!readEnum(n, S.mode, "host host-certificates passthrough", true)) return false;
  if (value == 2) {
    if (attrOf(n, S.type) == NONE) {
      err(Code.XML_ERROR).str("passthrough mode requires a character device type attribute");
      return false;
    }
    if (!checkChardevSource(n, Owner.Other, false)) return false;
  } else if (value == 1 && d.countNamed(n, S.certificate) != 3) {
    err(Code.XML_ERROR).str("host-certificates mode needs exactly three certificates");
    return false;
  }
  return checkOptionalAddress(n);
}
