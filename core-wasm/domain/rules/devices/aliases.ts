// Device aliases: a running hypervisor's, dropped from inactive XML.
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { attrOf, ctx } from "../../context";

/**
 * Device aliases are assigned by a running hypervisor: inactive XML keeps only the user's own
 * ("ua-" prefixed) ones.
 */
export function dropRuntimeAliases(devices: i32): void {
  const d = ctx.d;
  for (let dev = d.firstElement(devices); dev != NONE; dev = d.nextElement(dev)) {
    const alias = d.child(dev, S.alias);
    if (alias == NONE) continue;
    const name = attrOf(alias, S.name);
    if (name == NONE || d.aLenOf(name) < 3 || !d.buf.equals(d.aOffOf(name), 3, "ua-")) d.remove(alias);
  }
}
