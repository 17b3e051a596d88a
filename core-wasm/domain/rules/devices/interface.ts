// Network interfaces: types that need a <source>, link state, MAC addresses (generated when
// missing), and host-named targets dropped from inactive XML.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { random_fill } from "../../../host";
import { attrEnum, AttrNumber, attrOf, ctx, err, putAttr, readEnum, setAttr } from "../../context";
import { checkOptionalAddress } from "./address";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

const NET_TYPES = "user ethernet vhostuser server client mcast network bridge internal direct hostdev udp vdpa null vds";
const macBytes = new StaticArray<u8>(6);

export function checkInterface(n: i32): bool {
  const d = ctx.d;
  if (attrOf(n, S.type) == NONE) setAttr(n, S.type, "user");
  else if (!readEnum(n, S.type, NET_TYPES, attr)) return false;
  const type = attrEnum(n, S.type, NET_TYPES);
  const needsSource = type == 2 || type == 3 || type == 4 || type == 5 || type == 6 || type == 7 || type == 8 || type == 9 || type == 11 || type == 12 || type == 14;
  if (needsSource && d.child(n, S.source) == NONE) {
    const b = err(Code.XML_ERROR);
    b.str("interface type='");
    putAttr(b, n, S.type);
    b.str("' requires a 'source' element");
    return false;
  }
  if (type == 9) {
    const src = d.child(n, S.source);
    if (attrOf(src, S.mode) == NONE) setAttr(src, S.mode, "vepa");
  }
  const link = d.child(n, S.link);
  if (link != NONE && attrOf(link, S.state) != NONE && attrEnum(link, S.state, "up down") < 0) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("unknown interface link state '");
    putAttr(b, link, S.state);
    b.str("'");
    return false;
  }
  const source = d.child(n, S.source);
  if (source != NONE && ctx.inactive) d.removeAttr(source, S.portid); // a port binding exists only while running
  let mac = d.child(n, S.mac);
  if (mac == NONE) mac = d.addElement(n, S.mac);
  const a = attrOf(mac, S.address);
  let zero = true;
  if (a != NONE) {
    if (!parseMac(d.aOffOf(a), d.aLenOf(a))) {
      const b = err(Code.XML_ERROR);
      b.str("unable to parse mac address '");
      putAttr(b, mac, S.address);
      b.str("'");
      return false;
    }
    for (let i = 0; i < 6; i++) if (unchecked(macBytes[i]) != 0) zero = false;
    if ((unchecked(macBytes[0]) & 1) != 0) {
      const b = err(Code.XML_ERROR);
      b.str("expected unicast mac address, found multicast '");
      putAttr(b, mac, S.address);
      b.str("'");
      return false;
    }
  }
  if (a == NONE || zero) {
    unchecked((macBytes[0] = ctx.macPrefix0));
    unchecked((macBytes[1] = ctx.macPrefix1));
    unchecked((macBytes[2] = ctx.macPrefix2));
    random_fill(changetype<usize>(macBytes) + 3, 3);
  }
  const off = d.buf.length;
  for (let i = 0; i < 6; i++) {
    if (i > 0) d.buf.byte(58);
    d.buf.hex(<u64>unchecked(macBytes[i]), 2);
  }
  d.setAttrSlice(mac, S.address, off, d.buf.length - off);
  const target = d.child(n, S.target);
  if (target != NONE && ctx.inactive && !d.attrIs(target, S.managed, "no")) {
    const dev = attrOf(target, S.dev);
    if (dev != NONE) {
      const o = d.aOffOf(dev);
      const l = d.aLenOf(dev);
      if ((l >= 4 && d.buf.equals(o, 4, "vnet")) || (l >= 7 && (d.buf.equals(o, 7, "macvtap") || d.buf.equals(o, 7, "macvlan")))) {
        d.removeAttr(target, S.dev);
        if (d.attrFirstOf(target) == NONE) d.remove(target);
      }
    }
  }
  return checkOptionalAddress(n);
}

/** Six groups of one or two hex digits separated by ':' (virMacAddrParse). */
function parseMac(off: i32, len: i32): bool {
  const b = ctx.d.buf;
  let p = off;
  const end = off + len;
  for (let i = 0; i < 6; i++) {
    let v = 0;
    let digits = 0;
    while (p < end && digits < 3) {
      const c = <i32>b.at(p) | 0;
      let h = -1;
      if (c >= 48 && c <= 57) h = c - 48;
      else if ((c | 32) >= 97 && (c | 32) <= 102) h = (c | 32) - 87;
      if (h < 0) break;
      v = v * 16 + h;
      digits++;
      p++;
    }
    if (digits == 0 || digits > 2) return false;
    unchecked((macBytes[i] = <u8>v));
    if (i < 5) {
      if (p >= end || b.at(p) != 58) return false;
      p++;
    }
  }
  while (p < end) {
    if (b.at(p) > 32) return false;
    p++;
  }
  return true;
}
