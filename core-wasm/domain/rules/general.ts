// Top-level domain rules: root element, domain type, id/name/uuid/genid, title, <os>, lifecycle
// actions, <clock> and <features>. Each rule checks what libvirt checks (same codes and words),
// adds libvirt's defaults, and normalises values to libvirt's canonical form.
import { Code, From } from "../../errors";
import { NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { appendSymbol, symbolBytes, symbolLength, symbolOffset } from "../../xml/symbols";
import {
  AttrNumber, attrOf, ctx, enumIndex, err, hasText, invalidAttr, putAttr, putText, readEnum, readSigned, readUnsigned,
  setAttr, spanLen, spanOff, textEnum, textSpan,
} from "../context";
import { formatUUID, generateUUID, parseUUID } from "../values";

/** Where this module's attribute reads leave what they found. */
const attr = new AttrNumber();

const DOMAIN_TYPES = "none qemu kqemu kvm xen lxc uml openvz test vmware hyperv vbox phyp parallels bhyve vz hvf";
const OS_TYPES = "hvm xen linux exe uml xenpvh";
const ARCHES =
  "none alpha armv6l armv7l armv7b aarch64 cris i686 ia64 lm32 loongarch64 m68k microblaze microblazeel mips mipsel mips64 mips64el openrisc parisc parisc64 ppc ppcle ppc64 ppc64le ppcemb riscv32 riscv64 s390 s390x sh4 sh4eb sparc sparc64 unicore32 x86_64 xtensa xtensaeb";

/** <domain> itself and its type attribute. */
export function checkRoot(): bool {
  const d = ctx.d;
  const root = ctx.root;
  if (d.nameOf(root) != S.domain) {
    const b = err(Code.XML_ERROR, From.XML);
    b.str("expecting root element of 'domain', not '");
    appendSymbol(b, d.nameOf(root));
    b.str("'");
    return false;
  }
  const t = attrOf(root, S.type);
  if (t == NONE || d.aLenOf(t) == 0) {
    err(Code.INTERNAL_ERROR).str("missing domain type attribute");
    return false;
  }
  if (!readEnum(root, S.type, DOMAIN_TYPES, attr)) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("invalid domain type ");
    putAttr(b, root, S.type);
    return false;
  }
  return true;
}

/** id (live definitions only), name, uuid and genid. */
export function checkIdentity(): bool {
  const d = ctx.d;
  const root = ctx.root;
  if (ctx.inactive) d.removeAttr(root, S.id);
  else if (attrOf(root, S.id) != NONE) {
    if (!readSigned(root, S.id, attr)) return false;
    if (attr.value < -1) return invalidAttr(root, S.id, "Expected non-negative value");
    // An id of -1 means "not running": libvirt then formats the whole document as inactive.
    if (attr.value == -1) {
      d.removeAttr(root, S.id);
      ctx.flags |= 2;
    }
  } else ctx.flags |= 2;

  const name = d.child(root, S.name);
  if (name == NONE || !hasText(name)) {
    err(Code.NO_NAME).str("missing name information");
    return false;
  }
  const nameText = textSpan(name);
  for (let i = 0; i < spanLen(nameText); i++) {
    if (d.buf.at(spanOff(nameText) + i) == 47) {
      const b = err(Code.XML_ERROR);
      b.str("name ");
      putText(b, name);
      b.str(" cannot contain '/'");
      return false;
    }
  }

  const uuid = d.child(root, S.uuid);
  if (uuid == NONE || !hasText(uuid)) {
    if (!uuidFromSysinfo()) generateUUID();
    setUUIDText(uuid == NONE ? d.addElement(root, S.uuid) : uuid);
  } else {
    const uuidText = textSpan(uuid);
    if (!parseUUID(d.buf, spanOff(uuidText), spanLen(uuidText))) {
      err(Code.INTERNAL_ERROR).str("malformed uuid element");
      return false;
    }
    setUUIDText(uuid);
  }

  const genid = d.child(root, S.genid);
  if (genid != NONE) {
    if (!hasText(genid)) generateUUID();
    else {
      const genidText = textSpan(genid);
      if (!parseUUID(d.buf, spanOff(genidText), spanLen(genidText))) {
        err(Code.XML_ERROR).str("malformed genid element");
        return false;
      }
    }
    setUUIDText(genid);
  }

  const title = d.child(root, S.title);
  if (title != NONE) {
    const titleText = textSpan(title);
    for (let i = 0; i < spanLen(titleText); i++) {
      if (d.buf.at(spanOff(titleText) + i) == 10) {
        err(Code.XML_ERROR).str("Domain title can't contain newlines");
        return false;
      }
    }
  }
  return true;
}

/** A domain without <uuid> takes the one given in <sysinfo><system><entry name='uuid'>. */
function uuidFromSysinfo(): bool {
  const d = ctx.d;
  const sysinfo = d.child(ctx.root, S.sysinfo);
  if (sysinfo == NONE) return false;
  const system = d.child(sysinfo, S.system);
  if (system == NONE) return false;
  for (let e = d.child(system, S.entry); e != NONE; e = d.nextNamed(e)) {
    if (d.attrIs(e, S.name, "uuid")) {
      const uuidText = textSpan(e);
      return parseUUID(d.buf, spanOff(uuidText), spanLen(uuidText));
    }
  }
  return false;
}

function setUUIDText(n: i32): void {
  const d = ctx.d;
  const off = d.buf.length;
  formatUUID(d.buf);
  d.setTextSlice(n, off, d.buf.length - off);
}

/** <os>: type (required), arch (defaulted), and for HVM the default <boot dev='hd'/>. */
export function checkOS(): bool {
  const d = ctx.d;
  const os = d.child(ctx.root, S.os);
  const type = os == NONE ? NONE : d.child(os, S.type);
  if (type == NONE || !hasText(type)) {
    if (d.child(ctx.root, S.bootloader) == NONE) {
      err(Code.XML_ERROR).str("an os <type> must be specified");
      return false;
    }
    return true; // a bootloader implies a xen guest; nothing more is defaulted here
  }
  const osType = textEnum(type, OS_TYPES);
  if (osType < 0) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("unknown OS type '");
    putText(b, type);
    b.str("'");
    return false;
  }
  if (attrOf(type, S.arch) == NONE) setAttr(type, S.arch, ctx.defaultArch);
  else if (!readEnum(type, S.arch, ARCHES, attr) || attr.value == 0) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("Unknown architecture ");
    putAttr(b, type, S.arch);
    return false;
  }
  if (osType == 5 && d.child(os, S.init) == NONE) {
    err(Code.XML_ERROR).str("init binary must be specified");
    return false;
  }
  if (!checkInitElements(os)) return false;

  const loader = d.child(os, S.loader);
  if (loader != NONE && hasText(loader) && attrOf(loader, S.type) == NONE) setAttr(loader, S.type, "rom");
  for (let b = d.child(os, S.boot); b != NONE; b = d.nextNamed(b)) {
    if (!readEnum(b, S.dev, "fd cdrom hd network", attr, true)) return false;
  }
  if (osType == 0 && !checkBootOrder(os)) return false;
  return true;
}

function checkInitElements(os: i32): bool {
  const d = ctx.d;
  for (let a = d.child(os, S.initarg); a != NONE; a = d.nextNamed(a)) {
    if (!hasText(a)) {
      err(Code.XML_ERROR).str("No data supplied for <initarg> element");
      return false;
    }
  }
  for (let e = d.child(os, S.initenv); e != NONE; e = d.nextNamed(e)) {
    const name = attrOf(e, S.name);
    if (name == NONE || d.aLenOf(name) == 0) {
      err(Code.XML_ERROR).str("No name supplied for <initenv> element");
      return false;
    }
    if (!hasText(e)) {
      const b = err(Code.XML_ERROR);
      b.str("No value supplied for <initenv name='");
      putAttr(b, e, S.name);
      b.str("'> element");
      return false;
    }
  }
  return true;
}

/**
 * Per-device <boot order> and <os><boot> exclude each other; with neither, an HVM guest boots
 * from the first hard disk, which libvirt writes out as <boot dev='hd'/>.
 */
function checkBootOrder(os: i32): bool {
  const d = ctx.d;
  const devices = d.child(ctx.root, S.devices);
  let perDevice = false;
  if (devices != NONE) {
    for (let dev = d.firstElement(devices); dev != NONE; dev = d.nextElement(dev)) {
      const boot = d.child(dev, S.boot);
      if (boot == NONE) continue;
      const n = d.nameOf(dev);
      if (n == S.disk || n == S.interface_ || n == S.hostdev || n == S.filesystem || n == S.redirdev) perDevice = true;
    }
  }
  const osBoot = d.child(os, S.boot);
  if (perDevice && osBoot != NONE) {
    err(Code.CONFIG_UNSUPPORTED).str("per-device boot elements cannot be used together with os/boot elements");
    return false;
  }
  if (!perDevice && osBoot == NONE) {
    const boot = d.newElement(S.boot);
    setAttr(boot, S.dev, "hd");
    // <boot> goes after kernel/initrd/loader-like children; the ordering pass places it.
    d.appendChild(os, boot);
  }
  return true;
}

/** <idmap>: numeric ranges; uids and gids both mapped, the container's root among them. */
export function checkIdmap(): bool {
  const d = ctx.d;
  const idmap = d.child(ctx.root, S.idmap);
  if (idmap == NONE) return true;
  for (let m = d.firstElement(idmap); m != NONE; m = d.nextElement(m)) {
    if (d.nameOf(m) != S.uid && d.nameOf(m) != S.gid) continue;
    if (!readUnsigned(m, S.start, attr, true) || !readUnsigned(m, S.target, attr, true) || !readUnsigned(m, S.count, attr, true)) return false;
  }
  const uid = d.child(idmap, S.uid);
  const gid = d.child(idmap, S.gid);
  if (uid == NONE || gid == NONE) {
    err(Code.CONFIG_UNSUPPORTED).str("uid and gid should be mapped both");
    return false;
  }
  if (!d.attrIs(uid, S.start, "0") || !d.attrIs(gid, S.start, "0")) {
    err(Code.CONFIG_UNSUPPORTED).str("You must map the root user of container");
    return false;
  }
  return true;
}

/** on_poweroff, on_reboot, on_crash (always written, with defaults) and on_lockfailure. */
export function checkLifecycle(): bool {
  if (!lifecycle(S.on_poweroff, "destroy", false)) return false;
  if (!lifecycle(S.on_reboot, "restart", false)) return false;
  if (!lifecycle(S.on_crash, "destroy", true)) return false;
  const lock = ctx.d.child(ctx.root, S.on_lockfailure);
  if (lock != NONE && hasText(lock) && textEnum(lock, "default poweroff restart pause ignore") < 0) {
    return unknownAction(lock);
  }
  return true;
}

function unknownAction(n: i32): bool {
  const b = err(Code.CONFIG_UNSUPPORTED);
  b.str("unknown ");
  appendSymbol(b, ctx.d.nameOf(n));
  b.str(" action: ");
  putText(b, n);
  return false;
}

function lifecycle(name: i32, fallback: string, crash: bool): bool {
  const d = ctx.d;
  let n = d.child(ctx.root, name);
  if (n == NONE) n = d.addElement(ctx.root, name);
  if (!hasText(n)) {
    d.setText(n, fallback);
    return true;
  }
  const action = textEnum(n, "destroy restart rename-restart preserve coredump-destroy coredump-restart");
  if (action < 0) return unknownAction(n);
  if (action >= 4 && !crash) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("Lifecycle event '");
    b.str(name == S.on_poweroff ? "poweroff" : "reboot");
    b.str("' doesn't support '");
    putText(b, n);
    b.str("' action");
    return false;
  }
  return true;
}

/** <clock>: always present, offset defaults to utc; a numeric utc/localtime adjustment means variable. */
export function checkClock(): bool {
  const d = ctx.d;
  let clock = d.child(ctx.root, S.clock);
  if (clock == NONE) clock = d.addElement(ctx.root, S.clock);
  const offsetAttr = attrOf(clock, S.offset);
  if (offsetAttr == NONE) setAttr(clock, S.offset, "utc");
  else if (!readEnum(clock, S.offset, "utc localtime variable timezone absolute", attr)) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("unknown clock offset '");
    putAttr(b, clock, S.offset);
    b.str("'");
    return false;
  }
  const offset = offsetAttr == NONE ? 0 : <i32>attr.value;
  const adjustment = attrOf(clock, S.adjustment);
  if ((offset == 0 || offset == 1) && adjustment != NONE && !d.attrIs(clock, S.adjustment, "reset")) {
    if (!readSigned(clock, S.adjustment, attr)) {
      const b = err(Code.XML_ERROR);
      b.str("unknown clock adjustment '");
      putAttr(b, clock, S.adjustment);
      b.str("'");
      return false;
    }
    setAttr(clock, S.basis, offset == 0 ? "utc" : "localtime");
    setAttr(clock, S.offset, "variable");
  } else if (offset == 2) {
    if (adjustment != NONE && !readSigned(clock, S.adjustment, attr)) {
      const b = err(Code.XML_ERROR);
      b.str("unknown clock adjustment '");
      putAttr(b, clock, S.adjustment);
      b.str("'");
      return false;
    }
    if (adjustment == NONE) setAttr(clock, S.adjustment, "0");
    if (attrOf(clock, S.basis) == NONE) setAttr(clock, S.basis, "utc");
    else if (!readEnum(clock, S.basis, "utc localtime", attr)) {
      const b = err(Code.CONFIG_UNSUPPORTED);
      b.str("unknown clock basis '");
      putAttr(b, clock, S.basis);
      b.str("'");
      return false;
    }
  } else if (offset == 3 && attrOf(clock, S.timezone) == NONE) {
    err(Code.INTERNAL_ERROR).str("missing 'timezone' attribute for clock with offset='timezone'");
    return false;
  } else if (offset == 4 && attrOf(clock, S.start) == NONE) {
    err(Code.INTERNAL_ERROR).str("missing 'start' attribute for clock with offset='absolute'");
    return false;
  }
  for (let t = d.child(clock, S.timer); t != NONE; t = d.nextNamed(t)) {
    if (!readEnum(t, S.name, "platform pit rtc hpet tsc kvmclock hypervclock armvtimer", attr, true)) return false;
    if (!readEnum(t, S.present, "yes no", attr)) return false;
    if (!readEnum(t, S.tickpolicy, "none delay catchup merge discard", attr, false, true)) return false;
    if (!readEnum(t, S.track, "none boot guest wall realtime", attr, false, true)) return false;
    if (!readEnum(t, S.mode, "none auto native emulate paravirt smpsafe", attr, false, true)) return false;
    if (!readUnsigned(t, S.frequency, attr)) return false;
  }
  return true;
}

const FEATURES =
  "acpi apic pae hap viridian privnet hyperv kvm pvspinlock capabilities pmu vmport gic smm ioapic hpt vmcoreinfo htm nested-hv msrs ccf-assist xen cfpc sbbc ibs tcg async-teardown ras ps2 aia";

/** <features>: unknown features are refused as libvirt does; on/off features get their default state. */
export function checkFeatures(): bool {
  const d = ctx.d;
  const features = d.child(ctx.root, S.features);
  if (features == NONE) return true;
  const STATE = S.state;
  for (let f = d.firstElement(features); f != NONE; f = d.nextElement(f)) {
    const nameSym = d.nameOf(f);
    const kind = enumOfSymbol(nameSym, FEATURES);
    if (kind < 0) {
      const e = err(Code.CONFIG_UNSUPPORTED);
      e.str("unexpected feature '");
      appendSymbol(e, nameSym);
      e.str("'");
      return false;
    }
    // hap pvspinlock pmu vmport vmcoreinfo smm: state defaults to on
    if (kind == 3 || kind == 8 || kind == 10 || kind == 11 || kind == 16 || kind == 13) {
      if (attrOf(f, STATE) == NONE) setAttr(f, STATE, "on");
      else if (!readEnum(f, STATE, "on off", attr)) return false;
    } else if (kind == 17 || kind == 18 || kind == 20 || kind == 27 || kind == 28) {
      // htm nested-hv ccf-assist ras ps2: state is required
      if (!readEnum(f, STATE, "on off", attr, true)) return false;
    } else if (kind == 26) {
      if (attrOf(f, S.enabled) == NONE) setAttr(f, S.enabled, "yes");
      else if (!readEnum(f, S.enabled, "yes no", attr)) return false;
    } else if (kind == 6 && !checkHyperv(f)) return false;
    else if (kind == 9) {
      if (attrOf(f, S.policy) == NONE) setAttr(f, S.policy, "default");
      else if (!readEnum(f, S.policy, "default allow deny", attr)) return false;
      if (!checkProcessCaps(f)) return false;
    }
    if (kind == 13) {
      const tseg = d.child(f, S.tseg);
      if (tseg != NONE && attrOf(tseg, S.unit) == NONE) setAttr(tseg, S.unit, "MiB");
    }
  }
  return true;
}

/** The capabilities <features><capabilities> may name, in libvirt's order (virDomainProcessCapsFeature). */
export const PROCESS_CAPS =
  "audit_control audit_write block_suspend chown dac_override dac_read_search fowner fsetid ipc_lock ipc_owner kill lease linux_immutable mac_admin mac_override mknod net_admin net_bind_service net_broadcast net_raw setgid setfcap setpcap setuid sys_admin sys_boot sys_chroot sys_module sys_nice sys_pacct sys_ptrace sys_rawio sys_resource sys_time sys_tty_config syslog wake_alarm";

/** <capabilities>' children: known names only; a capability named without a state is turned on. */
function checkProcessCaps(f: i32): bool {
  const d = ctx.d;
  for (let c = d.firstElement(f); c != NONE; c = d.nextElement(c)) {
    if (enumOfSymbol(d.nameOf(c), PROCESS_CAPS) < 0) {
      const e = err(Code.CONFIG_UNSUPPORTED);
      e.str("unexpected capability feature '");
      appendSymbol(e, d.nameOf(c));
      e.str("'");
      return false;
    }
    if (attrOf(c, S.state) == NONE) setAttr(c, S.state, "on");
  }
  return true;
}

function checkHyperv(f: i32): bool {
  const d = ctx.d;
  if (attrOf(f, S.mode) == NONE) setAttr(f, S.mode, "custom");
  else if (!readEnum(f, S.mode, "custom passthrough", attr)) return false;
  for (let c = d.firstElement(f); c != NONE; c = d.nextElement(c)) {
    const nameSym = d.nameOf(c);
    if (enumOfSymbol(nameSym, "relaxed vapic spinlocks vpindex runtime synic stimer reset vendor_id frequencies reenlightenment tlbflush ipi evmcs avic emsr_bitmap xmm_input") < 0) {
      const e = err(Code.CONFIG_UNSUPPORTED);
      e.str("unsupported HyperV Enlightenment feature: ");
      appendSymbol(e, nameSym);
      return false;
    }
    if (!readEnum(c, S.state, "on off", attr, true)) return false;
    if (nameSym == S.spinlocks && attr.value == 0) {
      if (!readUnsigned(c, S.retries, attr, true)) return false;
      if (attr.value < 4095) {
        err(Code.XML_ERROR).str("HyperV spinlock retry count must be at least 4095");
        return false;
      }
    }
  }
  return true;
}

/** Index of a symbol's name in a space-separated list, or -1. */
export function enumOfSymbol(symbol: i32, choices: string): i32 {
  return enumIndex(symbolBytes, symbolOffset(symbol), symbolLength(symbol), choices);
}
