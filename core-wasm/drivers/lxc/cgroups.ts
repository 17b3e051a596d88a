// Where an LXC domain's cgroups go and what is written there, for the host's cgroup layout:
// cgroup v1 controllers (possibly beside an empty v2 mount: a hybrid host, where the controllers
// are all v1 and the unified hierarchy is left alone), or a pure v2 hierarchy.
//
// Paths: <mount>/virtkit/node-<ID>/lxc-<name> (per controller on v1), where ID is the 16 hex
// digits of the FNV-1a 64-bit hash of the node's run directory (VIRTKIT_RUN_DIR/lxc, as the
// driver names it): two nodes on one host (two run directories) never share a group, so one
// node's destroy or orphan clean-up never touches another node's container of the same name.
// Each level is created parents first; on v2 every level above the domain's enables the
// controllers in its cgroup.subtree_control, on v1 a new cpuset level inherits its parent's CPUs
// and memory nodes. The node's level goes with its last container (the host removes it after the
// domain's groups, where it is empty); /virtkit stays.
//
// Settings (libvirt's mapping): currentMemory → memory.limit_in_bytes (v1) / memory.max (v2);
// <cputune><shares> → cpu.shares / cpu.weight (libvirt writes the value unchanged on v2, whose
// range is 1–10000); period/quota → cpu.cfs_period_us + cpu.cfs_quota_us / cpu.max; <vcpu
// cpuset> → cpuset.cpus. Suspend uses freezer.state (v1) or cgroup.freeze (v2). A running
// domain's scheduler parameters are read back from the same cpu files.
//
// Tasks: pids.max (v1 and v2) is DEFAULT_PIDS_MAX unless the domain's <metadata> holds an element
// in virtkit's namespace (VIRTKIT_NS) with a <pids> child: a count from 1 to 4194304 (the
// kernel's PID_MAX_LIMIT), or "unlimited". A host without a pids controller refuses to start a
// container that has a limit, as libvirt refuses a host without the controllers it needs.
//
// Devices: the container reaches only its own /dev nodes (DEVICE_MAJORS/MINORS: null, zero, full,
// random, urandom, tty, ptmx and every devpts pty, the console's among them; read, write and
// mknod). v1: the devices controller (devices.deny "a", then devices.allow each), required; v2:
// a BPF_PROG_TYPE_CGROUP_DEVICE program built here (deviceProgram), which the host loads and
// attaches to the domain's group ("host-devices-bpf DIR HEX").
import { Code, From } from "../../errors";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { symbolText } from "../../xml/symbols";
import { err } from "../../domain/context";
import { attr, hexOf, PlanWriter, text } from "../hosted/plan-writer";

/** The controllers a domain's processes join on v1, in creation order. */
const V1_CONTROLLERS: string[] = ["memory", "cpu", "cpuacct", "cpuset", "freezer", "pids", "devices"];
/** The controllers enabled for the domain's group on v2, when the host offers them. */
const V2_CONTROLLERS: string[] = ["cpu", "memory", "pids", "cpuset"];

/**
 * A container's task limit (processes and threads) when its definition sets none. A system
 * container's init with its services runs a few hundred tasks; 2048 leaves room for several times
 * that, and stops a fork bomb at a size the host bears: each task costs the kernel some tens of
 * KiB (stack, task and page-table structures) that its memory limit may not charge, and a few
 * such containers stay far below the kernel's default pid_max (32768).
 */
export const DEFAULT_PIDS_MAX = "2048";
/** The largest pids.max the kernel takes (PID_MAX_LIMIT on 64-bit hosts). */
const PIDS_MAX_LIMIT: u64 = 4194304;
/** The XML namespace of virtkit's own settings in a domain's <metadata>. */
export const VIRTKIT_NS = "urn:virtkit:lxc:1.0";

/** The container's device nodes, all char devices: major, minor (-1: any) — null, zero, full, random, urandom, tty, ptmx, the ptys. */
const DEVICE_MAJORS: i32[] = [1, 1, 1, 1, 1, 5, 5, 136];
const DEVICE_MINORS: i32[] = [3, 5, 7, 8, 9, 0, 2, -1];


/** KiB text to bytes text (values are canonical decimal KiB). */
function kibToBytes(kib: string): string {
  return (U64.parseInt(kib) * 1024).toString();
}


/** The namespace element n declares for prefix ("": the default namespace), "" when none. */
function declaredNamespace(d: Doc, n: i32, prefix: string): string {
  const want = prefix.length == 0 ? "xmlns" : "xmlns:" + prefix;
  for (let a = d.attrFirstOf(n); a != NONE; a = d.aNextOf(a)) {
    if (symbolText(d.aNameOf(a)) == want) return String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.aOffOf(a), <usize>d.aLenOf(a));
  }
  return "";
}

/**
 * The text of <pids> in the <metadata> element of virtkit's namespace (declared on that element,
 * its children using its prefix), or null when there is none.
 */
function pidsSetting(d: Doc): string | null {
  const metadata = d.child(d.root, S.metadata);
  for (let n = metadata == NONE ? NONE : d.firstElement(metadata); n != NONE; n = d.nextElement(n)) {
    const name = symbolText(d.nameOf(n));
    const colon = name.indexOf(":");
    const prefix = colon < 0 ? "" : name.substring(0, colon);
    if (declaredNamespace(d, n, prefix) != VIRTKIT_NS) continue;
    const pids = prefix.length == 0 ? "pids" : prefix + ":pids";
    for (let c = d.firstElement(n); c != NONE; c = d.nextElement(c)) if (symbolText(d.nameOf(c)) == pids) return text(d, c).trim();
  }
  return null;
}

/** Whether s is a non-empty run of ASCII digits. */
export function isDecimal(s: string): bool {
  if (s.length == 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The container's pids.max: its metadata's value or DEFAULT_PIDS_MAX, "max" when unlimited;
 * "" (with the error set) when the metadata's value is not one.
 */
export function pidsLimit(d: Doc): string {
  const s = pidsSetting(d);
  if (s === null) return DEFAULT_PIDS_MAX;
  if (s == "unlimited") return "max";
  const v: u64 = isDecimal(s) && s.length <= 7 ? U64.parseInt(s) : 0;
  if (v < 1 || v > PIDS_MAX_LIMIT) {
    err(Code.XML_ERROR).str("invalid value '" + s + "' for <pids> in namespace " + VIRTKIT_NS + ": a count from 1 to " + PIDS_MAX_LIMIT.toString() + ", or 'unlimited'");
    return "";
  }
  return v.toString();
}

/** 16 hex digits of the FNV-1a 64-bit hash of s's UTF-8 bytes. */
function nodeId(s: string): string {
  const b = String.UTF8.encode(s);
  let h: u64 = 0xcbf29ce484222325;
  for (let i = 0; i < b.byteLength; i++) h = (h ^ <u64>load<u8>(changetype<usize>(b) + <usize>i)) * 0x100000001b3;
  const bytes = new Array<u32>(8);
  for (let i = 0; i < 8; i++) bytes[i] = <u32>(h >> <u64>(56 - 8 * i)); // most significant first
  return hexOf(bytes);
}

/** One eBPF instruction, as hex: opcode, dst and src registers, offset, immediate (little-endian). */
function insn(code: i32, dst: i32, src: i32, off: i32, imm: i32): string {
  return hexOf([<u32>code, <u32>((src << 4) | dst), <u32>off, <u32>(off >> 8), <u32>imm, <u32>(imm >> 8), <u32>(imm >> 16), <u32>(imm >>> 24)]);
}

const LDX_W: i32 = 0x61; // dst = *(u32 *)(src + off)
const AND_K: i32 = 0x57; // dst &= imm (64-bit)
const MOV_K: i32 = 0xb7; // dst = imm (64-bit)
const JNE_K: i32 = 0x55; // if dst != imm: skip off instructions
const EXIT: i32 = 0x95; // return r0

/**
 * The v2 device allow-list: a BPF_PROG_TYPE_CGROUP_DEVICE program, as hex. Its context (r1) is
 * struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; };
 * it returns 1 (allow) for a char device on the list, whatever the access, and 0 otherwise.
 */
export function deviceProgram(): string {
  let entries = "";
  let count = 0;
  for (let i = 0; i < DEVICE_MAJORS.length; i++) {
    const anyMinor = DEVICE_MINORS[i] < 0;
    entries += insn(JNE_K, 2, 0, anyMinor ? 2 : 3, DEVICE_MAJORS[i]);
    if (!anyMinor) entries += insn(JNE_K, 3, 0, 2, DEVICE_MINORS[i]);
    entries += insn(MOV_K, 0, 0, 0, 1) + insn(EXIT, 0, 0, 0, 0);
    count += anyMinor ? 3 : 4;
  }
  return (
    insn(LDX_W, 2, 1, 0, 0) + // access_type
    insn(AND_K, 2, 0, 0, 0xffff) + // the device's type
    insn(JNE_K, 2, 0, 2 + count, 2) + // BPF_DEVCG_DEV_CHAR only
    insn(LDX_W, 2, 1, 4, 0) + // major
    insn(LDX_W, 3, 1, 8, 0) + // minor
    entries +
    insn(MOV_K, 0, 0, 0, 0) +
    insn(EXIT, 0, 0, 0, 0)
  );
}

export class CgroupLayout {
  /** v1: controller → mount point (only the controllers the host has). */
  v1Names: string[] = [];
  v1Mounts: string[] = [];
  /** v2: the mount point and its available controllers ("" when the host has no usable v2). */
  v2Mount: string = "";
  v2Controllers: string[] = [];
  /** The node's level below each mount: virtkit/node-ID (see the header). */
  nodeGroup: string = "";

  /**
   * Reads the host's description, one line each: "v1 CONTROLLER MOUNT" or
   * "v2 MOUNT CONTROLLER...". A v2 mount with no controllers beside v1 controllers (a hybrid
   * host) is ignored: the controllers live in v1. runDir: the node's run directory.
   */
  static parse(facts: string, runDir: string): CgroupLayout {
    const layout = new CgroupLayout();
    layout.nodeGroup = "virtkit/node-" + nodeId(runDir);
    const lines = facts.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const f = lines[i].split(" ");
      if (f.length >= 3 && f[0] == "v1" && V1_CONTROLLERS.includes(f[1])) {
        layout.v1Names.push(f[1]);
        layout.v1Mounts.push(f[2]);
      } else if (f.length >= 2 && f[0] == "v2") {
        layout.v2Mount = f[1];
        for (let k = 2; k < f.length; k++) if (f[k].length > 0) layout.v2Controllers.push(f[k]);
      }
    }
    if (layout.v1Names.length > 0) {
      layout.v2Mount = "";
      layout.v2Controllers = [];
    }
    return layout;
  }

  get isV2(): bool {
    return this.v1Names.length == 0 && this.v2Mount.length > 0;
  }

  private v1Mount(controller: string): string {
    const i = this.v1Names.indexOf(controller);
    return i < 0 ? "" : this.v1Mounts[i];
  }

  /** The domain's group below a mount: virtkit/node-ID/lxc-NAME. */
  private domainDir(mount: string, name: string): string {
    return mount + "/" + this.nodeGroup + "/lxc-" + name;
  }

  /** The domain's cgroup directories (what init joins, and what is removed at the end). */
  domainDirs(name: string): string[] {
    const dirs: string[] = [];
    if (this.isV2) {
      dirs.push(this.domainDir(this.v2Mount, name));
    } else {
      for (let i = 0; i < this.v1Names.length; i++) dirs.push(this.domainDir(this.v1Mounts[i], name));
    }
    return dirs;
  }

  private has(controller: string): bool {
    return this.isV2 ? this.v2Controllers.includes(controller) : this.v1Names.includes(controller);
  }

  /** libvirt's refusal of a host without a controller a container needs. */
  private missing(controller: string): bool {
    err(Code.INTERNAL_ERROR, From.LXC).str("Unable to find '" + controller + "' cgroups controller mount");
    return false;
  }

  /**
   * Creating the groups (parents first) and writing the domain's settings, its task limit and its
   * device allow-list. False (with the error set) when the host cannot hold them.
   */
  writeHostSteps(w: PlanWriter, d: Doc, name: string): bool {
    const pids = pidsLimit(d);
    if (pids.length == 0) return false;
    if (pids != "max" && !this.has("pids")) return this.missing("pids");
    if (!this.isV2 && !this.has("devices")) return this.missing("devices");
    const levels = ["virtkit", this.nodeGroup, this.nodeGroup + "/lxc-" + name];
    if (this.isV2) {
      const enable = this.enabledV2();
      w.line(["host-write", this.v2Mount + "/cgroup.subtree_control", enable]);
      for (let k = 0; k < levels.length; k++) {
        w.line(["host-mkdir", this.v2Mount + "/" + levels[k]]);
        if (k + 1 < levels.length) w.line(["host-write", this.v2Mount + "/" + levels[k] + "/cgroup.subtree_control", enable]);
      }
      w.line(["host-devices-bpf", this.domainDir(this.v2Mount, name), deviceProgram()]);
    } else {
      for (let i = 0; i < this.v1Names.length; i++) {
        let parent = this.v1Mounts[i];
        for (let k = 0; k < levels.length; k++) {
          const dir = this.v1Mounts[i] + "/" + levels[k];
          w.line(["host-mkdir", dir]);
          if (this.v1Names[i] == "cpuset") {
            // a new v1 cpuset has no CPUs or memory nodes: it inherits its parent's
            w.line(["host-copy", dir + "/cpuset.cpus", parent + "/cpuset.cpus"]);
            w.line(["host-copy", dir + "/cpuset.mems", parent + "/cpuset.mems"]);
          }
          parent = dir;
        }
      }
      const devices = this.file("devices", name, "");
      w.line(["host-write", devices + "devices.deny", "a"]);
      for (let i = 0; i < DEVICE_MAJORS.length; i++) {
        const minor = DEVICE_MINORS[i] < 0 ? "*" : DEVICE_MINORS[i].toString();
        w.line(["host-write", devices + "devices.allow", "c " + DEVICE_MAJORS[i].toString() + ":" + minor + " rwm"]);
      }
    }
    if (pids != "max") this.set(w, "pids", name, "pids.max", pids);
    this.writeSettings(w, d, name);
    this.writeRuntimeFiles(w, name);
    return true;
  }

  /** "+cpu +memory ..." for the controllers this v2 host offers. */
  private enabledV2(): string {
    const parts: string[] = [];
    for (let i = 0; i < V2_CONTROLLERS.length; i++) if (this.v2Controllers.includes(V2_CONTROLLERS[i])) parts.push("+" + V2_CONTROLLERS[i]);
    return parts.join(" ");
  }

  private file(controller: string, name: string, file: string): string {
    if (this.isV2) return this.v2Controllers.includes(controller) || controller == "" ? this.domainDir(this.v2Mount, name) + "/" + file : "";
    const mount = this.v1Mount(controller);
    return mount.length == 0 ? "" : this.domainDir(mount, name) + "/" + file;
  }

  private set(w: PlanWriter, controller: string, name: string, file: string, value: string): void {
    const path = this.file(controller, name, file);
    if (path.length > 0) w.line(["host-write", path, value]);
  }

  /** The settings the definition asks for (also what a live change rewrites). */
  writeSettings(w: PlanWriter, d: Doc, name: string): void {
    const root = d.root;
    const memory = text(d, d.child(root, S.currentMemory));
    if (memory.length > 0) this.set(w, "memory", name, this.isV2 ? "memory.max" : "memory.limit_in_bytes", kibToBytes(memory));
    const cputune = d.child(root, S.cputune);
    const shares = text(d, d.child(cputune, S.shares));
    if (shares.length > 0) this.set(w, "cpu", name, this.isV2 ? "cpu.weight" : "cpu.shares", shares);
    const period = text(d, d.child(cputune, S.period));
    const quota = text(d, d.child(cputune, S.quota));
    if (this.isV2) {
      if (period.length > 0 || quota.length > 0) {
        const q = quota.length == 0 || quota.startsWith("-") ? "max" : quota;
        this.set(w, "cpu", name, "cpu.max", q + " " + (period.length > 0 ? period : "100000"));
      }
    } else {
      if (period.length > 0) this.set(w, "cpu", name, "cpu.cfs_period_us", period);
      if (quota.length > 0) this.set(w, "cpu", name, "cpu.cfs_quota_us", quota);
    }
    const cpuset = attr(d, d.child(root, S.vcpu), S.cpuset);
    if (cpuset.length > 0) this.set(w, "cpuset", name, "cpuset.cpus", cpuset);
  }

  /**
   * Where a running domain's scheduler parameters are read: "host-sched-param FIELD FILE WORD
   * [UNLIMITED]" lines, the value being the file's WORDth space-separated word (UNLIMITED there
   * reads as -1). None when the host has no cpu controller for it.
   */
  writeSchedSources(w: PlanWriter, name: string): void {
    if (this.isV2) {
      const max = this.file("cpu", name, "cpu.max"); // "QUOTA PERIOD", QUOTA "max" when unlimited
      if (max.length == 0) return;
      w.line(["host-sched-param", "cpu_shares", this.file("cpu", name, "cpu.weight"), "0"]);
      w.line(["host-sched-param", "vcpu_period", max, "1"]);
      w.line(["host-sched-param", "vcpu_quota", max, "0", "max"]);
    } else {
      const shares = this.file("cpu", name, "cpu.shares");
      if (shares.length == 0) return;
      w.line(["host-sched-param", "cpu_shares", shares, "0"]);
      w.line(["host-sched-param", "vcpu_period", this.file("cpu", name, "cpu.cfs_period_us"), "0"]);
      w.line(["host-sched-param", "vcpu_quota", this.file("cpu", name, "cpu.cfs_quota_us"), "0"]);
    }
  }

  /** Where the host finds the domain's freezer and usage counters later. */
  private writeRuntimeFiles(w: PlanWriter, name: string): void {
    if (this.isV2) {
      w.line(["host-freezer", this.file("", name, "cgroup.freeze"), "1", "0"]);
      w.line(["host-cpu-usage", this.file("", name, "cpu.stat"), "usage_usec"]);
      w.line(["host-memory-usage", this.file("memory", name, "memory.current")]);
    } else {
      w.line(["host-freezer", this.file("freezer", name, "freezer.state"), "FROZEN", "THAWED"]);
      w.line(["host-cpu-usage", this.file("cpuacct", name, "cpuacct.usage"), "ns"]);
      w.line(["host-memory-usage", this.file("memory", name, "memory.usage_in_bytes")]);
    }
    // removed at the end, deepest first: the domain's groups, then its node's level (which stays
    // while another container of the node holds a group in it)
    const dirs = this.domainDirs(name);
    for (let i = 0; i < dirs.length; i++) w.line(["host-cgroup", dirs[i]]);
    for (let i = 0; i < dirs.length; i++) w.line(["host-cgroup", dirs[i].substring(0, dirs[i].length - name.length - "/lxc-".length)]);
  }

  /** The supervisor's part: the groups init joins and how to thaw them for a destroy. */
  writeJoinSteps(w: PlanWriter, name: string): void {
    const dirs = this.domainDirs(name);
    for (let i = 0; i < dirs.length; i++) w.line(["cgroup", dirs[i]]);
    if (this.isV2) w.line(["thaw", this.file("", name, "cgroup.freeze"), "0"]);
    else if (this.v1Mount("freezer").length > 0) w.line(["thaw", this.file("freezer", name, "freezer.state"), "THAWED"]);
  }
}
