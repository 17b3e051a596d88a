// virtkitd as a program: it listens on DIR/libvirt-sock and DIR/libvirt-sock-ro, writes its pid
// file once it does, and on SIGTERM closes its clients and removes both, exiting 0. Bad options
// are refused with its usage.
import test from "ava";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openConnection } from "../../src/index.js";
import { filesAppear } from "../support/files.js";
import { tempDir } from "../support/temp.js";

const bin = fileURLToPath(new URL("../../src/daemon/bin.ts", import.meta.url));
const run = (args: string[]) => spawn(process.execPath, ["--import", "tsx", bin, ...args], { stdio: ["ignore", "ignore", "pipe"] });

test("it serves until SIGTERM, then leaves no socket or pid file behind", async (t) => {
  const dir = tempDir("vkd-proc");
  const pidFile = join(dir, "virtkitd.pid");
  const daemon = run(["--socket-dir", dir, "--pid-file", pidFile]);
  const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)));
  await filesAppear(dir, "virtkitd.pid");
  t.is(readFileSync(pidFile, "utf8"), `${daemon.pid}\n`);
  t.is(statSync(join(dir, "libvirt-sock")).mode & 0o777, 0o600);
  const conn = await openConnection(`test+unix:///default?socket=${join(dir, "libvirt-sock")}`);
  t.is((await conn.lookupByName("test")).name, "test");
  daemon.kill("SIGTERM");
  t.is(await exited, 0);
  t.false(existsSync(pidFile));
  t.false(existsSync(join(dir, "libvirt-sock")));
  t.false(existsSync(join(dir, "libvirt-sock-ro")));
  await t.throwsAsync(conn.lookupByName("test"), { message: /client socket/ });
  t.false(conn.isAlive());
});

test("an unknown option is refused with the usage", (t) => {
  const r = spawnSync(process.execPath, ["--import", "tsx", bin, "--bogus"], { encoding: "utf8" });
  t.is(r.status, 1);
  t.regex(r.stderr, /^virtkitd: unknown option '--bogus'\nUsage: virtkitd /);
});
