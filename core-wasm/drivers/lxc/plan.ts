// The plan for starting an LXC domain: every privileged step, decided here and carried out
// literally by the host (cgroup preparation, in TypeScript through the shim) and by the
// supervisor (namespaces, mounts, identity, exec; shim/lxc-supervisor.cc). One line per step,
// fields separated by tabs (tab, newline and backslash escaped as \t, \n, \\).
//
// Lines for the host:       host-mkdir DIR · host-write FILE VALUE · host-copy FILE FROM
// Lines for the supervisor: instance, control, status, clone, uid_map, gid_map, cgroup, thaw, console,
//   on_poweroff/on_reboot/on_crash, then the child's steps in order (make-rprivate, bind, mount,
//   mkdir, touch, symlink, console-bind, pivot, hostname, chdir, drop-caps, setgroups, setgid,
//   setuid, stdio, env, exec).
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { CgroupLayout } from "./cgroups";
import { attr, number, PlanWriter, text } from "../hosted/plan-writer";

/** Capabilities a container's init never gets (libvirt's default policy). */
const DROPPED_CAPS: string[] = ["16", "25", "30", "33"]; // sys_module, sys_time, audit_control, mac_admin

/** Device nodes bound from the host into the container's /dev. */
const DEVICES: string[] = ["null", "zero", "full", "random", "urandom", "tty"];

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

  // cgroups: created and configured by the host, joined by init
  layout.writeHostSteps(w, d, name);

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

  // The child: a private mount tree with the container's root at the stage, then pivot.
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
  for (let fs = devices == NONE ? NONE : d.child(devices, S.filesystem); fs != NONE; fs = d.nextNamed(fs)) {
    if (fs == rootFs) continue;
    const target = stage + attr(d, d.child(fs, S.target), S.dir);
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
  w.line(["mount", "proc", "proc", stage + "/proc", "nosuid,nodev,noexec", ""]);
  // sysfs belongs to a network namespace: a user namespace without its own network keeps the
  // host's /sys, which came read-only with the recursive bind of the root.
  if (idmap == NONE || privateNet) w.line(["mount", "sysfs", "sysfs", stage + "/sys", "ro,nosuid,nodev,noexec", ""]);
  w.line(["mount", "tmpfs", "devfs", stage + "/dev", "nosuid,strictatime", "mode=755,size=65536k"]);
  for (let i = 0; i < DEVICES.length; i++) {
    w.line(["touch", stage + "/dev/" + DEVICES[i]]);
    w.line(["bind", "/dev/" + DEVICES[i], stage + "/dev/" + DEVICES[i], "0", "0"]);
  }
  w.line(["mkdir", stage + "/dev/pts", "755"]);
  w.line(["mount", "devpts", "devpts", stage + "/dev/pts", "nosuid,noexec", "newinstance,ptmxmode=0666,mode=0620"]);
  w.line(["symlink", "pts/ptmx", stage + "/dev/ptmx"]);
  w.line(["mkdir", stage + "/dev/shm", "1777"]);
  w.line(["mount", "tmpfs", "shm", stage + "/dev/shm", "nosuid,nodev", "mode=1777"]);
  w.line(["symlink", "/proc/self/fd", stage + "/dev/fd"]);
  w.line(["symlink", "/proc/self/fd/0", stage + "/dev/stdin"]);
  w.line(["symlink", "/proc/self/fd/1", stage + "/dev/stdout"]);
  w.line(["symlink", "/proc/self/fd/2", stage + "/dev/stderr"]);
  if (console != NONE) {
    w.line(["touch", stage + "/dev/console"]);
    w.line(["console-bind", stage + "/dev/console"]);
  }
  w.line(["pivot", stage]);
  w.line(["hostname", name]);
  const initdir = text(d, d.child(os, S.initdir));
  w.line(["chdir", initdir.length > 0 ? initdir : "/"]);
  const dropped = ["drop-caps"];
  for (let i = 0; i < DROPPED_CAPS.length; i++) dropped.push(DROPPED_CAPS[i]);
  w.line(dropped);
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
