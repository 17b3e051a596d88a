// Character devices (serial, parallel, console, channel) and the chardev sources that smartcards,
// redirdevs and rng egd backends share: libvirt's source modes, <protocol>, port numbering, and
// the console that mirrors the first serial port on HVM guests.
import { Code } from "../../errors";
import { NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { attrEnum, AttrNumber, attrOf, ctx, err, putAttr, readEnum, readUnsigned, setAttr, setAttrNumber } from "../context";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

const HOST_TYPES = "null vc pty dev file pipe stdio udp tcp unix spicevmc spiceport nmdm qemu-vdagent dbus";
const T_PTY = 2;
const T_FILE = 4;
const T_UDP = 7;
const T_TCP = 8;
const T_UNIX = 9;
const T_SPICEPORT = 11;
const T_NMDM = 12;
const T_DBUS = 14;

/** What a chardev source belongs to: only real chardev elements may omit a unix path (channels). */
export const enum Owner {
  Chardev = 0,
  Other = 1,
}

/**
 * Reads and normalises the chardev held by element n (whose `type` attribute is the host side).
 * `channelMayOmitPath`: a virtio/xen channel may have a unix source without a path.
 */
export function checkChardevSource(n: i32, owner: Owner, channelMayOmitPath: bool): bool {
  const d = ctx.d;
  if (attrOf(n, S.type) == NONE) setAttr(n, S.type, "pty");
  const type = attrEnum(n, S.type, HOST_TYPES);
  if (type < 0) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("unknown type presented to host for character device: ");
    putAttr(b, n, S.type);
    return false;
  }
  const sources = d.countNamed(n, S.source);
  if (sources > 1 && type != T_UDP) {
    err(Code.XML_ERROR).str("only one source element is allowed for character device");
    return false;
  }
  if (sources > 2) {
    err(Code.XML_ERROR).str("only two source elements are allowed for character device");
    return false;
  }
  if (d.countNamed(n, S.log) > 1) {
    err(Code.XML_ERROR).str("only one log element is allowed for character device");
    return false;
  }
  if (d.countNamed(n, S.protocol) > 1) {
    err(Code.XML_ERROR).str("only one protocol element is allowed for character device");
    return false;
  }
  const src = d.child(n, S.source);
  if (src != NONE && !checkReconnect(src)) return false;

  if (type == T_TCP || type == T_UNIX || type == T_UDP) {
    for (let s = d.child(n, S.source); s != NONE; s = d.nextNamed(s)) {
      if (!readEnum(s, S.mode, "connect bind", attr)) return false;
      if (!attr.present) setAttr(s, S.mode, "connect");
    }
  }
  if (type == T_TCP) {
    if (src == NONE || attrOf(src, S.host) == NONE) return missing("Missing source host attribute for char device");
    if (attrOf(src, S.service) == NONE) return missing("Missing source service attribute for char device");
    if (!checkReconnectMode(src)) return false;
    const proto = d.child(n, S.protocol);
    if (proto == NONE) setAttr(d.addElement(n, S.protocol), S.type, "raw");
    else if (!readEnum(proto, S.type, "raw telnet telnets tls", attr)) {
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("Unknown protocol '");
      putAttr(b, proto, S.type);
      b.str("'");
      return false;
    }
  } else {
    // <protocol> means nothing for other types; libvirt ignores it.
    const proto = d.child(n, S.protocol);
    if (proto != NONE) d.remove(proto);
  }
  if (type == T_UDP && !checkUdp(n)) return false;
  if (type == T_UNIX) {
    if (src == NONE || attrOf(src, S.path) == NONE) {
      if (src != NONE) d.remove(src); // a unix source without a path says nothing (libvirt drops it)
      if (!(owner == Owner.Chardev && channelMayOmitPath)) return missing("Missing source path attribute for char device");
    } else if (!checkReconnectMode(src)) return false;
  }
  if (type == 3 || type == T_FILE || type == 5) {
    if (src == NONE || attrOf(src, S.path) == NONE) return missing("Missing source path attribute for char device");
    if (type == T_FILE && !readEnum(src, S.append, "on off", attr)) return false;
  }
  if (type == T_PTY && src != NONE && ctx.inactive) d.remove(src); // a pty's path exists only while running
  if (type == T_NMDM && (src == NONE || attrOf(src, S.master) == NONE || attrOf(src, S.slave) == NONE)) {
    return missing("Should define both master and slave path attributes for nmdm device");
  }
  if ((type == T_SPICEPORT || type == T_DBUS) && (src == NONE || attrOf(src, S.channel) == NONE)) {
    err(Code.CONFIG_UNSUPPORTED).str("Missing source channel attribute for char device");
    return false;
  }
  return true;
}

function missing(message: string): bool {
  err(Code.INTERNAL_ERROR).str(message);
  return false;
}

function checkReconnect(src: i32): bool {
  const r = ctx.d.child(src, S.reconnect);
  if (r == NONE) return true;
  if (!readEnum(r, S.enabled, "yes no", attr)) return false;
  if (attr.present && attr.value == 0) {
    if (!readUnsigned(r, S.timeout, attr, true)) return false;
  } else ctx.d.removeAttr(r, S.timeout);
  return true;
}

function checkReconnectMode(src: i32): bool {
  if (ctx.d.attrIs(src, S.mode, "bind") && ctx.d.child(src, S.reconnect) != NONE) {
    return missing("chardev reconnect is possible only for connect mode");
  }
  return true;
}

/** udp: at most one bind and one connect source, bind written first; connect needs a service. */
function checkUdp(n: i32): bool {
  const d = ctx.d;
  let bind = NONE;
  let connect = NONE;
  for (let s = d.child(n, S.source); s != NONE; ) {
    const nx = d.nextNamed(s);
    const isBind = d.attrIs(s, S.mode, "bind");
    if (isBind ? bind != NONE : connect != NONE) d.remove(s);
    else if (isBind) bind = s;
    else connect = s;
    s = nx;
  }
  if (connect == NONE || attrOf(connect, S.service) == NONE) return missing("Missing source service attribute for char device");
  if (bind != NONE) {
    d.remove(bind);
    d.insertBefore(n, bind, connect);
  }
  return true;
}

// ---- serial, parallel, console, channel -----------------------------------------------------------

const SERIAL_TARGETS = "none isa-serial usb-serial pci-serial spapr-vio-serial system-serial sclp-serial isa-debug";
const SERIAL_MODELS = "none isa-serial usb-serial pci-serial spapr-vty pl011 sclpconsole sclplmconsole 16550a isa-debugcon";
const CONSOLE_TARGETS = "none serial xen uml virtio lxc openvz sclp sclplm";
const CHANNEL_TARGETS = "none guestfwd virtio xen";

export function checkChardevs(devices: i32, hvm: bool): bool {
  const d = ctx.d;
  for (let dev = d.firstElement(devices); dev != NONE; dev = d.nextElement(dev)) {
    const name = d.nameOf(dev);
    if (name != S.serial && name != S.parallel && name != S.console && name != S.channel) continue;
    const target = d.child(dev, S.target);
    let mayOmitPath = false;
    if (name == S.channel) {
      if (target == NONE || attrOf(target, S.type) == NONE) {
        err(Code.XML_ERROR).str("target type must be specified for channel device");
        return false;
      }
      const t = attrEnum(target, S.type, CHANNEL_TARGETS);
      if (t < 0) return unknownTarget(target);
      mayOmitPath = t == 2 || t == 3;
      if (t == 1) {
        if (attrOf(target, S.address) == NONE) {
          err(Code.XML_ERROR).str("guestfwd channel does not define a target address");
          return false;
        }
        if (!readUnsigned(target, S.port, attr, true)) return false;
      }
      if (t == 2 && ctx.inactive) d.removeAttr(target, S.state);
      else if (t == 2 && !readEnum(target, S.state, "default connected disconnected", attr, false, true)) return false;
    } else if (target != NONE && attrOf(target, S.type) != NONE) {
      const t = attrEnum(target, S.type, name == S.serial ? SERIAL_TARGETS : name == S.console ? CONSOLE_TARGETS : "");
      if (t < 0) return unknownTarget(target);
      if (name == S.serial && t == 0) d.removeAttr(target, S.type);
    }
    if (name == S.serial && target != NONE) {
      const model = d.child(target, S.model);
      if (model != NONE && attrEnum(model, S.name, SERIAL_MODELS) < 0) {
        const b = err(Code.CONFIG_UNSUPPORTED);
        b.str("unknown target model '");
        putAttr(b, model, S.name);
        b.str("' specified for character device");
        return false;
      }
    }
    if (target != NONE && name != S.channel && attrOf(target, S.port) != NONE && !readUnsigned(target, S.port, attr)) {
      const b = err(Code.XML_ERROR);
      b.str("Invalid port number: ");
      putAttr(b, target, S.port);
      return false;
    }
    if (!checkChardevSource(dev, Owner.Chardev, mayOmitPath)) return false;
  }
  numberPorts(devices, S.parallel);
  numberPorts(devices, S.serial);
  numberConsoles(devices);
  if (hvm && !consoleCompat(devices)) return false;
  if (hvm) mirrorSerialConsoles(devices);
  ttyOfPtyConsoles(devices);
  return true;
}

/** A running domain's pty console names its pty twice, as libvirt writes it: tty='…' and <source path>. */
function ttyOfPtyConsoles(devices: i32): void {
  const d = ctx.d;
  for (let c = d.child(devices, S.console); c != NONE; c = d.nextNamed(c)) {
    d.removeAttr(c, S.tty);
    const source = d.child(c, S.source);
    if (ctx.inactive || !d.attrIs(c, S.type, "pty") || source == NONE) continue;
    const path = attrOf(source, S.path);
    if (path != NONE) d.addAttrSlice(c, S.tty, d.aOffOf(path), d.aLenOf(path));
  }
}

function unknownTarget(target: i32): bool {
  const b = err(Code.CONFIG_UNSUPPORTED);
  b.str("unknown target type '");
  putAttr(b, target, S.type);
  b.str("' specified for character device");
  return false;
}

/** Serial and parallel ports without a number get the next one after the highest used. */
function numberPorts(devices: i32, name: i32): void {
  const d = ctx.d;
  let highest: i64 = -1;
  for (let c = d.child(devices, name); c != NONE; c = d.nextNamed(c)) {
    const t = d.child(c, S.target);
    if (t != NONE && readUnsigned(t, S.port, attr) && attr.present && attr.value > highest) highest = attr.value;
  }
  for (let c = d.child(devices, name); c != NONE; c = d.nextNamed(c)) {
    let t = d.child(c, S.target);
    if (t == NONE) t = d.addElement(c, S.target);
    if (attrOf(t, S.port) == NONE) setAttrNumber(t, S.port, <u64>++highest);
  }
}

/**
 * Consoles are numbered by their position among the written <console> elements (a written port
 * is ignored), before consoleCompat may put a serial console in front of them; a console without
 * target type is a serial console.
 */
function numberConsoles(devices: i32): void {
  const d = ctx.d;
  let i: u64 = 0;
  for (let c = d.child(devices, S.console); c != NONE; c = d.nextNamed(c)) {
    let t = d.child(c, S.target);
    if (t == NONE) t = d.addElement(c, S.target);
    if (attrOf(t, S.type) == NONE || d.attrIs(t, S.type, "none")) setAttr(t, S.type, "serial");
    setAttrNumber(t, S.port, i++);
  }
}

function isSerialConsole(c: i32): bool {
  const t = ctx.d.child(c, S.target);
  return t == NONE || attrOf(t, S.type) == NONE || ctx.d.attrIs(t, S.type, "serial") || ctx.d.attrIs(t, S.type, "none");
}

/**
 * On HVM guests the first console is the first serial port: a lone serial console becomes a
 * serial port plus a console mirroring it, and a guest with a (platform) serial port and no
 * serial console gets one. The mirroring consoles are written from their serial port's data.
 */
function consoleCompat(devices: i32): bool {
  const d = ctx.d;
  const console0 = d.child(devices, S.console);
  if (console0 != NONE) {
    for (let c = d.nextNamed(console0); c != NONE; c = d.nextNamed(c)) {
      const t = d.child(c, S.target);
      if (t != NONE && d.attrIs(t, S.type, "serial")) {
        err(Code.CONFIG_UNSUPPORTED).str("Only the first console can be a serial port");
        return false;
      }
    }
  }
  let serial0 = d.child(devices, S.serial);
  if (console0 != NONE && isSerialConsole(console0)) {
    if (serial0 == NONE) {
      // Move the console's device into a new serial port 0.
      serial0 = d.cloneTree(console0);
      d.setName(serial0, S.serial);
      const t = d.child(serial0, S.target);
      if (t != NONE) d.removeAttr(t, S.type);
      d.insertBefore(devices, serial0, console0);
      let st = d.child(serial0, S.target);
      if (st == NONE) st = d.addElement(serial0, S.target);
      setAttr(st, S.port, "0");
    }
  } else if (serial0 != NONE) {
    const t = d.child(serial0, S.target);
    const type = t == NONE || attrOf(t, S.type) == NONE ? 0 : attrEnum(t, S.type, SERIAL_TARGETS);
    if (type == 0 || type == 1 || type == 4 || type == 5 || type == 6) {
      const stub = d.newElement(S.console);
      d.insertBefore(devices, stub, console0);
      setAttr(d.addElement(stub, S.target), S.type, "serial");
    }
  }
  return true;
}

/** Each serial console n (n < number of serial ports) is written from serial port n. */
function mirrorSerialConsoles(devices: i32): void {
  const d = ctx.d;
  let serial = d.child(devices, S.serial);
  for (let c = d.child(devices, S.console); c != NONE && serial != NONE; ) {
    const nx = d.nextNamed(c);
    if (isSerialConsole(c)) mirrorSerial(devices, c, serial);
    serial = d.nextNamed(serial);
    c = nx;
  }
}

/** Replaces console c's content by serial s's (type, source, protocol, log, port, alias, address). */
function mirrorSerial(devices: i32, c: i32, s: i32): void {
  const d = ctx.d;
  const mirror = d.cloneTree(s);
  d.setName(mirror, S.console);
  let t = d.child(mirror, S.target);
  if (t == NONE) t = d.addElement(mirror, S.target);
  const port = attrOf(t, S.port);
  const keep = d.newElement(S.target);
  setAttr(keep, S.type, "serial");
  if (port != NONE) d.addAttrSlice(keep, S.port, d.aOffOf(port), d.aLenOf(port));
  d.insertBefore(mirror, keep, t);
  d.remove(t);
  d.insertBefore(devices, mirror, c);
  d.remove(c);
}
