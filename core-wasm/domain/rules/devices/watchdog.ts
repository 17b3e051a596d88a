// Watchdogs: model, and the action libvirt defaults to (reset).
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { AttrNumber, attrOf, readEnum, setAttr } from "../../context";
import { checkOptionalAddress } from "./address";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

/** <watchdog> */
export function checkWatchdog(n: i32): bool {
  if (!readEnum(n, S.model, "i6300esb ib700 diag288 itco", attr, true)) return false;
  if (attrOf(n, S.action) == NONE) setAttr(n, S.action, "reset");
  else if (!readEnum(n, S.action, "reset shutdown poweroff pause dump none inject-nmi", attr)) return false;
  return checkOptionalAddress(n);
}
