// The node's state-change lock: a change waits for another process's, and gives up with the
// driver's error after libvirt's 30 s.
import test from "ava";
import { readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VirtError } from "../../../src/errors.js";
import { lockNode } from "../../../src/drivers/hosted/node-lock.js";
import { loadNativeShim } from "../../../src/host/native.js";
import { tempDir } from "../../support/temp.js";

const timedOut = () => new Error("cannot acquire state change lock");

test("the lock is <run>/.lock, and one holder at a time has it", async (t) => {
  const shim = loadNativeShim();
  const run = tempDir("virtkit-lock");
  const fd = await lockNode(shim, run, timedOut);
  t.is(shim.lockFile(join(run, ".lock")), null); // another open of the file cannot lock it
  shim.closeFd(fd);
  const again = shim.lockFile(join(run, ".lock"));
  t.not(again, null);
  shim.closeFd(again!);
});

test("a held lock is tried again until its holder lets go", async (t) => {
  const paths: string[] = [];
  const heldFor = 3;
  const shim = { lockFile: (path: string) => (paths.push(path), paths.length > heldFor ? 42 : null) };
  t.is(await lockNode(shim, "/run/node", timedOut), 42);
  t.deepEqual(paths, Array(heldFor + 1).fill("/run/node/.lock"));
});

test.serial("a lock held past 30 s fails with the caller's error", async (t) => {
  const realNow = Date.now;
  let now = realNow();
  const start = now;
  Date.now = () => now;
  try {
    // each try finds it held, and 10 s pass
    const shim = { lockFile: () => ((now += 10_000), null) };
    await t.throwsAsync(lockNode(shim, "/run/node", timedOut), { message: "cannot acquire state change lock" });
    t.true(now - start > 30_000 && now - start <= 50_000);
  } finally {
    Date.now = realNow;
  }
});

test("a link planted as the lock file is not followed: the change fails, its target is untouched", async (t) => {
  const shim = loadNativeShim();
  const run = tempDir("virtkit-lock");
  const elsewhere = tempDir("virtkit-lock");
  const target = join(elsewhere, "precious");
  writeFileSync(target, "kept\n");
  symlinkSync(target, join(run, ".lock"));
  await t.throwsAsync(lockNode(shim, run, timedOut), {
    instanceOf: VirtError,
    message: `Failed to open file '${join(run, ".lock")}': Too many levels of symbolic links`,
  });
  t.is(readFileSync(target, "utf8"), "kept\n");
  rmSync(join(run, ".lock"));
  symlinkSync(join(elsewhere, "new"), join(run, ".lock"));
  await t.throwsAsync(lockNode(shim, run, timedOut), { instanceOf: VirtError });
  t.deepEqual(readdirSync(elsewhere), ["precious"], "a dangling link creates nothing either");
});
