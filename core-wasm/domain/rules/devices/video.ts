// Video devices: the primary one first, default models and video RAM, one added for graphics.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { AttrNumber, attrOf, ctx, err, readEnum, readUnsigned, setAttr, setAttrNumber } from "../../context";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

const VIDEO_MODELS = "default vga cirrus vmvga xen vbox qxl parallels virtio gop none bochs ramfb";

/**
 * Videos: one may be primary (libvirt moves it first), the first one is the primary one, a video
 * without <model> gets the driver's default model, and graphics without any video get one.
 */
export function checkVideos(devices: i32): bool {
  const d = ctx.d;
  let primary = NONE;
  for (let v = d.child(devices, S.video); v != NONE; v = d.nextNamed(v)) {
    const model = d.child(v, S.model);
    if (model == NONE || !d.attrIs(model, S.primary, "yes")) continue;
    if (primary != NONE) {
      err(Code.CONFIG_UNSUPPORTED).str("Only one primary video device is supported");
      return false;
    }
    primary = v;
  }
  const first = d.child(devices, S.video);
  if (primary != NONE && primary != first) {
    d.remove(primary);
    d.insertBefore(devices, primary, first);
  }
  if (first == NONE && d.child(devices, S.graphics) != NONE) d.addElement(devices, S.video);
  let isFirst = true;
  for (let v = d.child(devices, S.video); v != NONE; v = d.nextNamed(v)) {
    let model = d.child(v, S.model);
    if (model == NONE) model = d.addElement(v, S.model);
    if (attrOf(model, S.type) == NONE) setAttr(model, S.type, ctx.defaultVideoModel);
    if (!readEnum(model, S.type, VIDEO_MODELS, attr)) return false;
    const type = <i32>attr.value;
    if (type == 10) {
      if (d.countNamed(devices, S.video) > 1) {
        err(Code.CONFIG_UNSUPPORTED).str("a 'none' video type must be the only video device defined for the domain");
        return false;
      }
      d.removeAttr(model, S.primary);
    } else {
      if (attrOf(model, S.heads) == NONE) setAttr(model, S.heads, "1");
      if (!defaultVideoRam(model, type)) return false;
      if (isFirst) setAttr(model, S.primary, "yes");
      else d.removeAttr(model, S.primary);
    }
    isFirst = false;
  }
  return true;
}

/** vram (and qxl ram) default per model, rounded up to a power of two, as libvirt's post-parse. */
function defaultVideoRam(model: i32, type: i32): bool {
  let fallback: u64 = 0;
  if (type == 1 || type == 2 || type == 3 || type == 11) fallback = 16384;
  else if (type == 4) fallback = 4096;
  else if (type == 6) fallback = 65536;
  if (!readUnsigned(model, S.vram, attr)) return false;
  let vram = attr.present ? <u64>attr.value : 0;
  if (vram == 0) vram = fallback;
  if (vram != 0) setAttrNumber(model, S.vram, roundPow2(vram));
  if (type == 6) {
    if (!readUnsigned(model, S.ram, attr)) return false;
    let ram = attr.present ? <u64>attr.value : 0;
    if (ram == 0) ram = fallback;
    setAttrNumber(model, S.ram, roundPow2(ram));
  }
  return true;
}

function roundPow2(v: u64): u64 {
  let p: u64 = 1;
  while (p < v) p <<= 1;
  return p;
}
