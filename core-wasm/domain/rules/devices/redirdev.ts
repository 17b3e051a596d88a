// USB redirection: the character device that carries it.
import { checkChardevSource, Owner } from "../chardev";
import { checkOptionalAddress } from "./address";

/** <redirdev> */
export function checkRedirdev(n: i32): bool {
  if (!checkChardevSource(n, Owner.Other, false)) return false;
  return checkOptionalAddress(n);
}
