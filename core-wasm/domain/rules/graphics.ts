// <graphics>: the legacy listen=/socket= attributes and the <listen> children describe the same
// thing; libvirt reconciles them (and refuses contradictions), then writes both forms. Ports and
// autoport follow libvirt's rules.
import { Code } from "../../errors";
import { NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { appendSymbol } from "../../xml/symbols";
import { attrEnum, AttrNumber, attrOf, ctx, err, putAttr, readEnum, readSigned, setAttr } from "../context";
import { sliceEquals } from "../../util/bytes";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

const GRAPHICS_TYPES = "sdl vnc rdp desktop spice egl-headless dbus";
const G_VNC = 1;
const G_RDP = 2;
const G_SPICE = 4;
const LISTEN_TYPES = "none address network socket";
const L_NONE = 0;
const L_ADDRESS = 1;
const L_NETWORK = 2;
const L_SOCKET = 3;

export function checkGraphics(devices: i32): bool {
  const d = ctx.d;
  for (let g = d.child(devices, S.graphics); g != NONE; g = d.nextNamed(g)) {
    if (!readEnum(g, S.type, GRAPHICS_TYPES, attr, true)) return false;
    const type = <i32>attr.value;
    if (type == G_VNC || type == G_RDP || type == G_SPICE) {
      if (!reconcileListens(g, type)) return false;
      if (type == G_VNC && !vncPorts(g)) return false;
      if (type == G_SPICE && !spicePorts(g)) return false;
      if (type == G_RDP && !rdpPorts(g)) return false;
    }
  }
  return true;
}

function listenType(l: i32): i32 {
  return attrEnum(l, S.type, LISTEN_TYPES);
}

function sameAttr(a: i32, aSym: i32, b: i32, bSym: i32): bool {
  const d = ctx.d;
  const x = attrOf(a, aSym);
  const y = attrOf(b, bSym);
  return sliceEquals(d.buf, d.aOffOf(x), d.aLenOf(x), d.buf, d.aOffOf(y), d.aLenOf(y));
}

function mismatch(g: i32, gSym: i32, l: i32, lSym: i32): bool {
  const b = err(Code.CONFIG_UNSUPPORTED);
  b.str("graphics '");
  appendSymbol(b, gSym);
  b.str("' attribute '");
  putAttr(b, g, gSym);
  b.str("' must match '");
  appendSymbol(b, lSym);
  b.str("' attribute of first listen element (found '");
  putAttr(b, l, lSym);
  b.str("')");
  return false;
}

function nonEmptyAttr(n: i32, s: i32): bool {
  const a = attrOf(n, s);
  return a != NONE && ctx.d.aLenOf(a) > 0;
}

function reconcileListens(g: i32, type: i32): bool {
  const d = ctx.d;
  const first = d.child(g, S.listen);
  for (let l = first; l != NONE; l = d.nextNamed(l)) {
    if (!readEnum(l, S.type, LISTEN_TYPES, attr, true)) return false;
    const lt = <i32>attr.value;
    if (nonEmptyAttr(l, S.network) && lt != L_NETWORK) {
      err(Code.XML_ERROR).str("'network' attribute is valid only for listen type 'network'");
      return false;
    }
    if (nonEmptyAttr(l, S.socket) && lt != L_SOCKET) {
      err(Code.XML_ERROR).str("'socket' attribute is valid only for listen type 'socket'");
      return false;
    }
    if (lt == L_NETWORK && !nonEmptyAttr(l, S.network)) {
      err(Code.XML_ERROR).str("'network' attribute is required for listen type 'network'");
      return false;
    }
    if (lt == L_SOCKET && type != G_VNC && type != G_SPICE) return notAvailable(g, "socket");
    if (lt == L_NONE && type != G_VNC && type != G_SPICE) return notAvailable(g, "none");
    if (lt != L_ADDRESS && !(lt == L_NETWORK && !ctx.inactive)) d.removeAttr(l, S.address);
    if (l == first) {
      if (lt == L_ADDRESS && nonEmptyAttr(g, S.listen)) {
        if (nonEmptyAttr(l, S.address)) {
          if (!sameAttr(g, S.listen, l, S.address)) return mismatch(g, S.listen, l, S.address);
        } else {
          const a = attrOf(g, S.listen);
          d.setAttrSlice(l, S.address, d.aOffOf(a), d.aLenOf(a));
        }
      }
      if (lt == L_SOCKET && type == G_VNC && nonEmptyAttr(g, S.socket) && nonEmptyAttr(l, S.socket) && !sameAttr(g, S.socket, l, S.socket)) {
        return mismatch(g, S.socket, l, S.socket);
      }
    }
  }
  // The attributes describe a listen of their own: a VNC socket, else an address.
  const socketAttr = type == G_VNC && attrOf(g, S.socket) != NONE;
  if (first == NONE || (socketAttr && listenType(first) != L_SOCKET && listenType(first) != L_NONE)) {
    const l = d.newElement(S.listen);
    if (socketAttr) {
      setAttr(l, S.type, "socket");
      const a = attrOf(g, S.socket);
      d.setAttrSlice(l, S.socket, d.aOffOf(a), d.aLenOf(a));
    } else {
      setAttr(l, S.type, "address");
      if (nonEmptyAttr(g, S.listen)) {
        const a = attrOf(g, S.listen);
        d.setAttrSlice(l, S.address, d.aOffOf(a), d.aLenOf(a));
      }
    }
    d.insertBefore(g, l, first);
    if (first != NONE) d.remove(first);
  }
  return true;
}

function notAvailable(g: i32, what: string): bool {
  const b = err(Code.CONFIG_UNSUPPORTED);
  b.str("listen type '");
  b.str(what);
  b.str("' is not available for graphics type '");
  putAttr(b, g, S.type);
  b.str("'");
  return false;
}

/** Writes the legacy listen= attribute from the first listen's address (or removes it). */
function legacyListenAttr(g: i32, l: i32): void {
  const d = ctx.d;
  const a = attrOf(l, S.address);
  const lt = listenType(l);
  if (a != NONE && (lt == L_ADDRESS || (lt == L_NETWORK && !ctx.inactive))) d.setAttrSlice(g, S.listen, d.aOffOf(a), d.aLenOf(a));
  else d.removeAttr(g, S.listen);
}

/** port/autoport: a missing port or port -1 means autoport; autoport='yes|no' has the last word. */
function readPort(g: i32, sym: i32, into: AttrNumber): bool {
  if (!readSigned(g, sym, into)) {
    const b = err(Code.INTERNAL_ERROR);
    b.str("cannot parse ");
    b.str(attrEnum(g, S.type, GRAPHICS_TYPES) == G_RDP ? "rdp" : "vnc");
    b.str(" port ");
    putAttr(b, g, sym);
    return false;
  }
  return true;
}

function vncPorts(g: i32): bool {
  const d = ctx.d;
  const l = d.child(g, S.listen);
  if (listenType(l) == L_NONE) {
    d.removeAttr(g, S.port);
    d.removeAttr(g, S.autoport);
    d.removeAttr(g, S.listen);
    d.removeAttr(g, S.socket);
    return true;
  }
  if (listenType(l) == L_SOCKET) {
    const a = attrOf(l, S.socket);
    if (a != NONE) d.setAttrSlice(g, S.socket, d.aOffOf(a), d.aLenOf(a));
    d.removeAttr(g, S.port);
    d.removeAttr(g, S.autoport);
    d.removeAttr(g, S.listen);
    return true;
  }
  d.removeAttr(g, S.socket);
  if (!readPort(g, S.port, attr)) return false;
  let port: i64 = attr.present ? attr.value : 0;
  let autoport = !attr.present || port == -1;
  const ap = attrEnum(g, S.autoport, "yes no");
  if (ap >= 0) autoport = ap == 0;
  if (port == -1) port = 0;
  if (autoport && ctx.inactive) port = 0;
  if (port != 0 && (!autoport || !ctx.inactive)) setPort(g, S.port, port);
  else if (autoport) setAttr(g, S.port, "-1");
  else d.removeAttr(g, S.port);
  setAttr(g, S.autoport, autoport ? "yes" : "no");
  legacyListenAttr(g, l);
  return true;
}

function setPort(g: i32, sym: i32, port: i64): void {
  const d = ctx.d;
  const off = d.buf.length;
  d.buf.i64(port);
  d.setAttrSlice(g, sym, off, d.buf.length - off);
}

function spicePorts(g: i32): bool {
  const d = ctx.d;
  let l = d.child(g, S.listen);
  if (!readPort(g, S.port, attr)) return false;
  let port: i64 = attr.present ? attr.value : 0;
  if (!readSigned(g, S.tlsPort, attr)) return false;
  let tlsPort: i64 = attr.present ? attr.value : 0;
  if (!readEnum(g, S.autoport, "yes no", attr)) return false;
  let autoport = attr.present && attr.value == 0;
  const autoportGiven = attr.present;
  if (port == -1 && tlsPort == -1) autoport = true;
  if (autoport && ctx.inactive) {
    port = 0;
    tlsPort = 0;
  }
  const lt = listenType(l);
  if (lt == L_ADDRESS && port == 0 && tlsPort == 0 && !autoport && !autoportGiven && !nonEmptyAttr(l, S.address)) {
    // Nothing to listen on: libvirt turns the listen into type 'none'.
    setAttr(l, S.type, "none");
    d.removeAttr(l, S.address);
  }
  d.removeAttr(g, S.port);
  d.removeAttr(g, S.tlsPort);
  d.removeAttr(g, S.autoport);
  if (listenType(l) == L_ADDRESS || listenType(l) == L_NETWORK) {
    if (port != 0) setPort(g, S.port, port);
    if (tlsPort != 0) setPort(g, S.tlsPort, tlsPort);
    setAttr(g, S.autoport, autoport ? "yes" : "no");
    legacyListenAttr(g, l);
  } else d.removeAttr(g, S.listen);
  return true;
}

function rdpPorts(g: i32): bool {
  const d = ctx.d;
  if (!readPort(g, S.port, attr)) return false;
  let port: i64 = attr.present ? attr.value : 0;
  let autoport = !attr.present || port == -1 || d.attrIs(g, S.autoport, "yes");
  if (port == -1) port = 0;
  if (autoport && ctx.inactive) port = 0;
  if (port != 0) setPort(g, S.port, port);
  else if (autoport) setAttr(g, S.port, "0");
  if (autoport) setAttr(g, S.autoport, "yes");
  else d.removeAttr(g, S.autoport);
  legacyListenAttr(g, d.child(g, S.listen));
  return true;
}
