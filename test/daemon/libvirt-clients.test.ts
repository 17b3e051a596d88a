// libvirt's own client library against virtkitd: python3-libvirt (Debian's, which runs only under
// /usr/bin/python3) hears every lifecycle event in order; `virsh event --all --loop` prints them.
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Daemon } from "../../src/daemon/server.js";
import { testIf } from "../support/gated.js";
import { findProgram, runVirsh } from "../support/virsh.js";
import { tempDir } from "../support/temp.js";
import { fileURLToPath } from "node:url";

const PYTHON = "/usr/bin/python3";
const havePython = existsSync(PYTHON) && existsSync("/usr/lib/python3/dist-packages/libvirt.py");
const virsh = findProgram("virsh");
const withPython = testIf(havePython ? (virsh ? undefined : "needs Debian's virsh (libvirt-clients)") : "needs Debian's python3-libvirt");
const withVirsh = testIf(virsh ? undefined : "needs Debian's virsh (libvirt-clients)");
const script = fileURLToPath(new URL("fixtures/lifecycle-events.py", import.meta.url));

const socketDir = tempDir("vkd");
const uri = `test+unix:///default?socket=${join(socketDir, "libvirt-sock")}`;
let daemon: Daemon | undefined;
test.before(async () => {
  daemon = await Daemon.start({ socketDir });
});
test.after.always(() => daemon?.stop());

/**
 * Starts a client program: its output lines as they come, `when` a condition on them holds, and
 * its exit (listened for from the start: it may exit before the test gets to wait for it).
 */
function lines(command: string, args: string[]) {
  const child = spawn(command, args, { env: { ...process.env, LC_ALL: "C", LIBVIRT_AUTOSTART: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const seen: string[] = [];
  const waiters: { until: (l: string[]) => boolean; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    seen.push(line);
    for (const w of waiters.filter((w) => w.until(seen))) w.resolve();
  });
  const when = (until: (l: string[]) => boolean) => new Promise<void>((resolve) => (until(seen) ? resolve() : waiters.push({ until, resolve })));
  return { child, seen, when, exited };
}

/** The lifecycle of a fresh domain, through virsh in one connection (the events' order is libvirt's). */
const STEPS = "define small.xml; start small; suspend small; resume small; destroy small; undefine small";
const inputs = fileURLToPath(new URL("../fixtures/virsh-golden/inputs", import.meta.url));

withPython.serial("python3-libvirt's domainEventRegisterAny hears every lifecycle event, in order", async (t) => {
  // the "test" domain stays defined while the listener holds test:///default open
  const listener = lines(PYTHON, [script, uri, "6"]);
  await listener.when((l) => l.includes("ready"));
  const steps = await runVirsh(virsh!, ["-c", uri, STEPS], inputs);
  t.is(steps.status, 0, steps.stderr);
  await listener.exited;
  t.deepEqual(listener.seen.slice(1), [
    "small 0 0", // defined, added
    "small 2 0", // started, booted
    "small 3 0", // suspended, paused
    "small 4 0", // resumed, unpaused
    "small 5 1", // stopped, destroyed
    "small 1 0", // undefined, removed
  ]);
});

withVirsh.serial("virsh event --all --loop prints each event as it comes", async (t) => {
  // virsh prints nothing when it has registered: wait until the daemon has its first callback
  // (lifecycle's; virsh registers the event kinds in order)
  const registered = daemon!.nextEventCallback();
  const watcher = lines(virsh!, ["-c", uri, "event", "--all", "--loop"]);
  t.teardown(() => watcher.child.kill());
  await registered;
  const steps = await runVirsh(virsh!, ["-c", uri, "suspend test; resume test"], inputs);
  t.is(steps.status, 0, steps.stderr);
  await watcher.when((l) => l.length >= 2);
  t.deepEqual(watcher.seen.slice(0, 2), ["event 'lifecycle' for domain 'test': Suspended Paused", "event 'lifecycle' for domain 'test': Resumed Unpaused"]);
});
