// Where a hosted node lives, and the directory time by which a process tells that another
// changed the node: never trusted while a change is too recent to tell from the next.
import test from "ava";
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNodeDirs, hostedDirs, runFilePath, settledStamp, type NodeDirs } from "../../../src/drivers/hosted/node-dirs.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../../src/errors.js";
import { needsRoot, testIf } from "../../support/gated.js";
import { tempDir } from "../../support/temp.js";

test("the node's directories default under /etc and /run, and the environment moves them", (t) => {
  t.deepEqual(hostedDirs("lxc", {}), { config: "/etc/virtkit/lxc", run: "/run/virtkit/lxc" });
  t.deepEqual(hostedDirs("kvm", { VIRTKIT_CONFIG_DIR: "/c", VIRTKIT_RUN_DIR: "/r" }), { config: "/c/kvm", run: "/r/kvm" });
  t.is(runFilePath({ config: "/c", run: "/r" }, "web", "status"), "/r/web.status");
});

/** A new node's directories, their times set `secondsAgo` in the past. */
function settledNode(secondsAgo: number): NodeDirs {
  const root = tempDir("virtkit-node-dirs");
  const dirs = { config: join(root, "etc"), run: join(root, "run") };
  createNodeDirs(dirs, 0o711);
  age(dirs, secondsAgo);
  return dirs;
}

function age(dirs: NodeDirs, secondsAgo: number): void {
  const then = Date.now() / 1000 - secondsAgo;
  for (const dir of [dirs.config, dirs.run, join(dirs.config, "autostart")]) utimesSync(dir, then, then);
}

test("createNodeDirs gives the runtime directory its mode, even one that existed", (t) => {
  const dirs = settledNode(0);
  t.is(statSync(dirs.run).mode & 0o777, 0o711);
  t.true(statSync(join(dirs.config, "autostart")).isDirectory());
  createNodeDirs(dirs, 0o700);
  t.is(statSync(dirs.run).mode & 0o777, 0o700);
});

test("a settled directory's time stays the same until the directory changes", (t) => {
  const dirs = settledNode(10);
  const stamp = settledStamp(dirs.run);
  t.not(stamp, "");
  t.is(settledStamp(dirs.run), stamp);
  age(dirs, 20);
  t.not(settledStamp(dirs.run), stamp);
});

test("a directory changed just now has no time: the next change might not move it", (t) => {
  const dirs = settledNode(10);
  writeFileSync(join(dirs.run, "web.status"), "state running\n");
  t.is(settledStamp(dirs.run), "");
  writeFileSync(join(dirs.config, "autostart", "web"), "");
  t.is(settledStamp(join(dirs.config, "autostart")), "");
});

test("the directories get their modes whatever the umask: run as asked, configuration 0700", (t) => {
  const root = tempDir("virtkit-node-dirs");
  const dirs = { config: join(root, "etc", "lxc"), run: join(root, "run", "lxc") };
  // (synchronous between the two umask calls: nothing else in this process runs meanwhile)
  const before = process.umask(0);
  try {
    createNodeDirs(dirs, 0o711);
  } finally {
    process.umask(before);
  }
  t.is(statSync(dirs.run).mode & 0o777, 0o711);
  t.is(statSync(dirs.config).mode & 0o777, 0o700);
  t.is(statSync(join(dirs.config, "autostart")).mode & 0o777, 0o700);
  t.is(statSync(join(root, "etc")).mode & 0o777, 0o700, "a parent it made too");
});

/** createNodeDirs' error for the node in dirs, or undefined where it opens. */
function refusal(dirs: NodeDirs): VirtError | undefined {
  try {
    createNodeDirs(dirs, 0o700, ErrorDomain.VIR_FROM_QEMU);
    return undefined;
  } catch (e) {
    return e as VirtError;
  }
}

test("a run or configuration directory others could change is refused, not used", (t) => {
  const root = tempDir("virtkit-node-dirs");
  const dirs = { config: join(root, "etc"), run: join(root, "run") };
  mkdirSync(dirs.run, { mode: 0o700 });
  chmodSync(dirs.run, 0o777);
  let e = refusal(dirs);
  t.true(e instanceof VirtError);
  t.like(e, { code: ErrorNumber.VIR_ERR_OPERATION_FAILED, domain: ErrorDomain.VIR_FROM_QEMU, message: `operation failed: unsafe run directory '${dirs.run}': writable by its group (mode 0777)` });
  t.is(statSync(dirs.run).mode & 0o777, 0o777, "left as it was");
  chmodSync(dirs.run, 0o703);
  t.is(refusal(dirs)?.message, `operation failed: unsafe run directory '${dirs.run}': writable by others (mode 0703)`);
  chmodSync(dirs.run, 0o700);
  t.is(refusal(dirs), undefined);

  const elsewhere = tempDir("virtkit-node-dirs");
  const linked = { config: join(root, "etc2"), run: join(root, "run2") };
  symlinkSync(elsewhere, linked.run);
  e = refusal(linked);
  t.is(e?.message, `operation failed: unsafe run directory '${linked.run}': it is a symbolic link`);
  mkdirSync(linked.run.replace("run2", "run3"));
  symlinkSync(elsewhere, join(root, "etc3"));
  t.is(refusal({ config: join(root, "etc3"), run: join(root, "run3") })?.message, `operation failed: unsafe configuration directory '${join(root, "etc3")}': it is a symbolic link`);
  t.deepEqual(readdirSync(elsewhere), [], "nothing made through the links");
});

testIf(needsRoot("chown"))("a directory owned by another user is refused", (t) => {
  const root = tempDir("virtkit-node-dirs");
  const dirs = { config: join(root, "etc"), run: join(root, "run") };
  mkdirSync(join(dirs.config, "autostart"), { recursive: true, mode: 0o700 });
  chownSync(join(dirs.config, "autostart"), 65534, 65534);
  t.is(refusal(dirs)?.message, `operation failed: unsafe configuration directory '${join(dirs.config, "autostart")}': owned by uid 65534, not 0`);
});
