// The plan for starting an LXC domain: every privileged step, decided here and carried out
// literally by the host (cgroup preparation, in TypeScript through the shim) and by the
// supervisor (namespaces, mounts, identity, exec; shim/lxc-supervisor.cc). One line per step,
// fields separated by tabs (tab, newline and backslash escaped as \t, \n, \\).
//
// Lines for the host:       host-mkdir DIR · host-write FILE VALUE · host-copy FILE FROM ·
//   host-devices-bpf DIR PROGRAM (a cgroup device program, hex: load it, attach it to DIR)
// Lines for the supervisor: instance, control, status, clone, uid_map, gid_map, cgroup, thaw, console,
//   on_poweroff/on_reboot/on_crash, then the child's steps in order (make-rprivate, bind, root,
//   mount, mkdir, touch, readonly, mask, symlink, console-bind, pivot, hostname, chdir,
//   bounding-set, seccomp, setgroups, setgid, setuid, stdio, env, exec).
//
// Paths inside the container: once the root filesystem is bound at the stage, "root STAGE" says
// so, and every later path of a step that names a place inside the container's root is written
// relative (inRoot: "dev/pts", "." for the root itself). The supervisor resolves a relative path
// with the stage as "/" (openat2 RESOLVE_IN_ROOT), so that a symlink or ".." planted in the
// container's own files never reaches the host. Paths beginning with '/' are the host's: the
// sources of binds (/dev/null, a <filesystem>'s source dir), the stage itself.
import { writeGuestNetSteps, writeVethLines } from "../hosted/interfaces";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { CgroupLayout } from "./cgroups";
import { attr, number, PlanWriter, text } from "../hosted/plan-writer";
import { Code } from "../../errors";
import { err } from "../../domain/context";
import { boundingSet, MASKED_PROC, READONLY_PROC, seccompFilter } from "./confine";

/** Device nodes bound from the host into the container's /dev. */
const DEVICES: string[] = ["null", "zero", "full", "random", "urandom", "tty"];

/**
 * A container path as a step names it inside the root: relative to the root line's directory,
 * without empty or "." components ("." for the root itself). The path is absolute, with no ".."
 * (checkTargets refused others).
 */
export function inRoot(path: string): string {
  const parts = path.split("/");
  let out = "";
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].length == 0 || parts[i] == ".") continue;
    out += (out.length > 0 ? "/" : "") + parts[i];
  }
  return out.length > 0 ? out : ".";
}

/**
 * Whether every <filesystem>'s target dir is a path a container can have: absolute, without a
 * ".." component (empty and "." components are harmless, and dropped from the plan). Sets the
 * error when not.
 */
export function checkTargets(d: Doc): bool {
  const devices = d.child(d.root, S.devices);
  for (let fs = devices == NONE ? NONE : d.child(devices, S.filesystem); fs != NONE; fs = d.nextNamed(fs)) {
    const dir = attr(d, d.child(fs, S.target), S.dir);
    const why = !dir.startsWith("/") ? "must be an absolute path" : ("/" + dir + "/").includes("/../") ? "must not contain '..'" : "";
    if (why.length == 0) continue;
    err(Code.CONFIG_UNSUPPORTED).str("filesystem target '" + dir + "' " + why);
    return false;
  }
  return true;
}

/**
 * Writes the start plan of the domain in d (canonical, live form) for a supervisor using files
 * under runDir. Returns false, with the error set, when the definition cannot run as a container.
 */
export function writeStartPlan(w: PlanWriter, d: Doc, runDir: string, layout: CgroupLayout, instance: string): bool {
  const root = d.root;
  const name = text(d, d.child(root, S.name));
  const base = runDir + "/" + name;
  const os = d.child(root, S.os);
  const init = text(d, d.child(os, S.init));
  const devices = d.child(root, S.devices);
  if (!checkTargets(d)) return false;

  // cgroups: created and configured by the host, joined by init
  if (!layout.writeHostSteps(w, d, name)) return false;

  w.line(["instance", instance]);
  w.line(["control", base + "." + instance + ".sock"]);
  w.line(["status", base + "." + instance + ".status"]);
  const ns = ["clone", "mnt", "uts", "ipc", "pid"];
  const idmap = d.child(root, S.idmap);
  if (idmap != NONE) ns.push("user");
  const features = d.child(root, S.features);
  const privateNet = (devices != NONE && d.child(devices, S.interface_) != NONE) || (features != NONE && d.child(features, S.privnet) != NONE);
  if (privateNet) ns.push("net");
  w.line(ns);
  writeVethLines(w, d);
  if (idmap != NONE) {
    for (let m = d.child(idmap, S.uid); m != NONE; m = d.nextNamed(m)) w.line(["uid_map", attr(d, m, S.start), attr(d, m, S.target), attr(d, m, S.count)]);
    for (let m = d.child(idmap, S.gid); m != NONE; m = d.nextNamed(m)) w.line(["gid_map", attr(d, m, S.start), attr(d, m, S.target), attr(d, m, S.count)]);
  }
  layout.writeJoinSteps(w, name);
  const console = devices == NONE ? NONE : d.child(devices, S.console);
  if (console != NONE) w.line(["console"]);
  w.line(["on_poweroff", text(d, d.child(root, S.on_poweroff))]);
  w.line(["on_reboot", text(d, d.child(root, S.on_reboot))]);
  w.line(["on_crash", text(d, d.child(root, S.on_crash))]);

  // The child: its network links first (the veths are in its namespace before it goes on), then
  // a private mount tree with the container's root at the stage, then pivot.
  writeGuestNetSteps(w, d);
  const stage = base + ".root";
  w.line(["cleanup-dir", stage]);
  if (idmap != NONE) {
    // Become the namespace's root (mapped to <idmap>'s target): the host's root has no id in it.
    w.line(["setgid", "0"]);
    w.line(["setgroups"]);
    w.line(["setuid", "0"]);
  }
  w.line(["make-rprivate"]);
  let rootFs = NONE;
  for (let fs = devices == NONE ? NONE : d.child(devices, S.filesystem); fs != NONE; fs = d.nextNamed(fs)) {
    if (attr(d, d.child(fs, S.target), S.dir) == "/") rootFs = fs;
  }
  if (rootFs != NONE) {
    w.line(["bind", attr(d, d.child(rootFs, S.source), S.dir), stage, d.child(rootFs, S.readonly) != NONE ? "1" : "0", "1"]);
  } else {
    // As libvirt: without a root filesystem the container sees the host's, read-only. In a user
    // namespace the kernel only allows binding it with the mounts below it.
    w.line(["bind", "/", stage, "1", idmap != NONE ? "1" : "0"]);
  }
  // From here on, paths inside the container are resolved with the stage as its root.
  w.line(["root", stage]);
  for (let fs = devices == NONE ? NONE : d.child(devices, S.filesystem); fs != NONE; fs = d.nextNamed(fs)) {
    if (fs == rootFs) continue;
    const target = inRoot(attr(d, d.child(fs, S.target), S.dir));
    const type = attr(d, fs, S.type);
    if (type == "ram") {
      const usage = d.child(fs, S.source);
      w.line(["mkdir", target, "755"]);
      w.line(["mount", "tmpfs", "tmpfs", target, "nosuid,nodev", "size=" + number(attr(d, usage, S.usage)).toString() + "k,mode=755"]);
    } else {
      w.line(["mkdir", target, "755"]);
      w.line(["bind", attr(d, d.child(fs, S.source), S.dir), target, d.child(fs, S.readonly) != NONE ? "1" : "0", "1"]);
    }
  }
  w.line(["mount", "proc", "proc", "proc", "nosuid,nodev,noexec", ""]);
  for (let i = 0; i < READONLY_PROC.length; i++) w.line(["readonly", "proc/" + READONLY_PROC[i]]);
  for (let i = 0; i < MASKED_PROC.length; i++) w.line(["mask", "proc/" + MASKED_PROC[i]]);
  // sysfs belongs to a network namespace: a user namespace without its own network sees the
  // host's /sys, read-only.
  if (idmap == NONE || privateNet) w.line(["mount", "sysfs", "sysfs", "sys", "ro,nosuid,nodev,noexec", ""]);
  else w.line(["bind", "/sys", "sys", "1", "1"]);
  w.line(["mount", "tmpfs", "devfs", "dev", "nosuid,strictatime", "mode=755,size=65536k"]);
  for (let i = 0; i < DEVICES.length; i++) {
    w.line(["touch", "dev/" + DEVICES[i]]);
    w.line(["bind", "/dev/" + DEVICES[i], "dev/" + DEVICES[i], "0", "0"]);
  }
  w.line(["mkdir", "dev/pts", "755"]);
  w.line(["mount", "devpts", "devpts", "dev/pts", "nosuid,noexec", "newinstance,ptmxmode=0666,mode=0620"]);
  w.line(["symlink", "pts/ptmx", "dev/ptmx"]);
  w.line(["mkdir", "dev/shm", "1777"]);
  w.line(["mount", "tmpfs", "shm", "dev/shm", "nosuid,nodev", "mode=1777"]);
  w.line(["symlink", "/proc/self/fd", "dev/fd"]);
  w.line(["symlink", "/proc/self/fd/0", "dev/stdin"]);
  w.line(["symlink", "/proc/self/fd/1", "dev/stdout"]);
  w.line(["symlink", "/proc/self/fd/2", "dev/stderr"]);
  if (console != NONE) {
    w.line(["touch", "dev/console"]);
    w.line(["console-bind", "dev/console"]);
  }
  w.line(["pivot", stage]);
  w.line(["hostname", name]);
  const initdir = text(d, d.child(os, S.initdir));
  w.line(["chdir", initdir.length > 0 ? initdir : "/"]);
  const bounding = ["bounding-set"];
  const kept = boundingSet(d, privateNet);
  for (let i = 0; i < kept.length; i++) bounding.push(kept[i]);
  w.line(bounding);
  // The filter is x86_64's; a container of another architecture runs without one.
  if (attr(d, d.child(os, S.type), S.arch) == "x86_64") w.line(["seccomp", seccompFilter()]);
  const group = text(d, d.child(os, S.initgroup));
  const user = text(d, d.child(os, S.inituser));
  if (group.length > 0) {
    w.line(["setgroups", group]);
    w.line(["setgid", group]);
  }
  if (user.length > 0) w.line(["setuid", user]);
  w.line(["stdio"]);
  w.line(["env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
  w.line(["env", "TERM=linux"]);
  w.line(["env", "container=lxc-libvirt"]);
  w.line(["env", "HOME=/"]);
  w.line(["env", "LIBVIRT_LXC_NAME=" + name]);
  w.line(["env", "LIBVIRT_LXC_UUID=" + text(d, d.child(root, S.uuid))]);
  for (let e = d.child(os, S.initenv); e != NONE; e = d.nextNamed(e)) w.line(["env", attr(d, e, S.name) + "=" + text(d, e)]);
  const exec = ["exec", init]; // the path is argv[0] too
  for (let a = d.child(os, S.initarg); a != NONE; a = d.nextNamed(a)) exec.push(text(d, a));
  w.line(exec);
  return true;
}
