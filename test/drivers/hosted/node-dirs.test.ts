// Where a hosted node lives, and the directory stamp by which a process tells that another
// changed the node: never trusted while a change is too recent to tell from the next.
import test from "ava";
import { statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNodeDirs, dirStamp, hostedDirs, runFilePath, type NodeDirs } from "../../../src/drivers/hosted/node-dirs.js";
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

test("a settled node's stamp stays the same until a directory changes", (t) => {
  const dirs = settledNode(10);
  const stamp = dirStamp(dirs);
  t.not(stamp, "");
  t.is(dirStamp(dirs), stamp);
  age(dirs, 20);
  t.not(dirStamp(dirs), stamp);
});

test("a node changed just now has no stamp: the next change might not move the time", (t) => {
  const dirs = settledNode(10);
  writeFileSync(join(dirs.run, "web.status"), "state running\n");
  t.is(dirStamp(dirs), "");
  writeFileSync(join(dirs.config, "autostart", "web"), "");
  t.is(dirStamp(dirs), "");
});
