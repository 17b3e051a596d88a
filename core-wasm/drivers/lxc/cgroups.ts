// Where an LXC domain's cgroups go and what is written there, for the host's cgroup layout:
// cgroup v1 controllers (possibly beside an empty v2 mount: a hybrid host, where the controllers
// are all v1 and the unified hierarchy is left alone), or a pure v2 hierarchy. Each domain gets
// <mount>/virtkit/lxc-<name> (per controller on v1).
//
// Settings (libvirt's mapping): currentMemory → memory.limit_in_bytes (v1) / memory.max (v2);
// <cputune><shares> → cpu.shares / cpu.weight (libvirt writes the value unchanged on v2, whose
// range is 1–10000); period/quota → cpu.cfs_period_us + cpu.cfs_quota_us / cpu.max; <vcpu
// cpuset> → cpuset.cpus. Suspend uses freezer.state (v1) or cgroup.freeze (v2). A running
// domain's scheduler parameters are read back from the same cpu files.
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { PlanWriter } from "../hosted/plan-writer";

/** The controllers a domain's processes join on v1, in creation order. */
const V1_CONTROLLERS: string[] = ["memory", "cpu", "cpuacct", "cpuset", "freezer", "pids"];
/** The controllers enabled for the domain's group on v2, when the host offers them. */
const V2_CONTROLLERS: string[] = ["cpu", "memory", "pids", "cpuset"];

function text(d: Doc, n: i32): string {
  const t = n == NONE ? NONE : d.textNode(n);
  return t == NONE ? "" : String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.valOffOf(t), <usize>d.valLenOf(t));
}

function attrText(d: Doc, n: i32, name: i32): string {
  const a = n == NONE ? NONE : d.attr(n, name);
  return a == NONE ? "" : String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.aOffOf(a), <usize>d.aLenOf(a));
}

/** KiB text to bytes text (values are canonical decimal KiB). */
function kibToBytes(kib: string): string {
  return (U64.parseInt(kib) * 1024).toString();
}

export class CgroupLayout {
  /** v1: controller → mount point (only the controllers the host has). */
  v1Names: string[] = [];
  v1Mounts: string[] = [];
  /** v2: the mount point and its available controllers ("" when the host has no usable v2). */
  v2Mount: string = "";
  v2Controllers: string[] = [];

  /**
   * Reads the host's description, one line each: "v1 CONTROLLER MOUNT" or
   * "v2 MOUNT CONTROLLER...". A v2 mount with no controllers beside v1 controllers (a hybrid
   * host) is ignored: the controllers live in v1.
   */
  static parse(facts: string): CgroupLayout {
    const layout = new CgroupLayout();
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

  /** The domain's cgroup directories (what init joins, and what is removed at the end). */
  domainDirs(name: string): string[] {
    const dirs: string[] = [];
    if (this.isV2) {
      dirs.push(this.v2Mount + "/virtkit/lxc-" + name);
    } else {
      for (let i = 0; i < this.v1Names.length; i++) dirs.push(this.v1Mounts[i] + "/virtkit/lxc-" + name);
    }
    return dirs;
  }

  /** Creating the groups (parents first) and writing the domain's settings. */
  writeHostSteps(w: PlanWriter, d: Doc, name: string): void {
    if (this.isV2) {
      const enable = this.enabledV2();
      w.line(["host-write", this.v2Mount + "/cgroup.subtree_control", enable]);
      w.line(["host-mkdir", this.v2Mount + "/virtkit"]);
      w.line(["host-write", this.v2Mount + "/virtkit/cgroup.subtree_control", enable]);
      w.line(["host-mkdir", this.v2Mount + "/virtkit/lxc-" + name]);
    } else {
      for (let i = 0; i < this.v1Names.length; i++) {
        const parent = this.v1Mounts[i] + "/virtkit";
        w.line(["host-mkdir", parent]);
        if (this.v1Names[i] == "cpuset") {
          // a new v1 cpuset has no CPUs or memory nodes: it inherits its parent's
          w.line(["host-copy", parent + "/cpuset.cpus", this.v1Mounts[i] + "/cpuset.cpus"]);
          w.line(["host-copy", parent + "/cpuset.mems", this.v1Mounts[i] + "/cpuset.mems"]);
        }
        w.line(["host-mkdir", parent + "/lxc-" + name]);
        if (this.v1Names[i] == "cpuset") {
          w.line(["host-copy", parent + "/lxc-" + name + "/cpuset.cpus", parent + "/cpuset.cpus"]);
          w.line(["host-copy", parent + "/lxc-" + name + "/cpuset.mems", parent + "/cpuset.mems"]);
        }
      }
    }
    this.writeSettings(w, d, name);
    this.writeRuntimeFiles(w, name);
  }

  /** "+cpu +memory ..." for the controllers this v2 host offers. */
  private enabledV2(): string {
    const parts: string[] = [];
    for (let i = 0; i < V2_CONTROLLERS.length; i++) if (this.v2Controllers.includes(V2_CONTROLLERS[i])) parts.push("+" + V2_CONTROLLERS[i]);
    return parts.join(" ");
  }

  private file(controller: string, name: string, file: string): string {
    if (this.isV2) return this.v2Controllers.includes(controller) || controller == "" ? this.v2Mount + "/virtkit/lxc-" + name + "/" + file : "";
    const mount = this.v1Mount(controller);
    return mount.length == 0 ? "" : mount + "/virtkit/lxc-" + name + "/" + file;
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
    const cpuset = attrText(d, d.child(root, S.vcpu), S.cpuset);
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
    const dirs = this.domainDirs(name);
    for (let i = 0; i < dirs.length; i++) w.line(["host-cgroup", dirs[i]]);
  }

  /** The supervisor's part: the groups init joins and how to thaw them for a destroy. */
  writeJoinSteps(w: PlanWriter, name: string): void {
    const dirs = this.domainDirs(name);
    for (let i = 0; i < dirs.length; i++) w.line(["cgroup", dirs[i]]);
    if (this.isV2) w.line(["thaw", this.file("", name, "cgroup.freeze"), "0"]);
    else if (this.v1Mount("freezer").length > 0) w.line(["thaw", this.file("freezer", name, "freezer.state"), "THAWED"]);
  }
}
