// Memory devices (<memory model='dimm'> and the like): their sizes, which count towards the
// domain's memory.
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { ctx, setAttr, spanLen, spanOff, textSpan } from "../../context";
import { scaleToKiB, SizeKiB } from "../memory";
import { ParsedU64, parseU64 } from "../../values";

/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();
const kib = new SizeKiB();

/** Sum of <memory> device sizes in KiB (hotplugged DIMMs count towards the total). */
export function hotplugMemoryKiB(devices: i32): u64 {
  const d = ctx.d;
  let total: u64 = 0;
  for (let m = d.child(devices, S.memory); m != NONE; m = d.nextNamed(m)) {
    const target = d.child(m, S.target);
    if (target == NONE) continue;
    const size = d.child(target, S.size);
    if (size == NONE) continue;
    const sizeText = textSpan(size);
    if (spanLen(sizeText) > 0 && parseU64(d.buf, spanOff(sizeText), spanLen(sizeText), parsed) && scaleToKiB(size, parsed.value, S.unit, kib)) {
      total += kib.value;
      d.setTextU64(size, kib.value);
      setAttr(size, S.unit, "KiB");
    }
  }
  return total;
}
