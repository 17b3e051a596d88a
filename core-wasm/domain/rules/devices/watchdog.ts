// Watchdogs: model, and the action libvirt defaults to (reset).
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { attrOf, readEnum, setAttr } from "../../context";
import { checkOptionalAddress } from "./address";

/** <watchdog> */
export function checkWatchdog(n: i32): bool {
  if (!readEnum(n, S.model, "i6300esb ib700 diag288 itco", true)) return false;
  if (attrOf(n, S.action) == NONE) setAttr(n, S.action, "reset");
  else if (!readEnum(n, S.action, "reset shutdown poweroff pause dump none inject-nmi")) return false;
  return checkOptionalAddress(n);
}
