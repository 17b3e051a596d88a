// Real virsh 9.0 (Debian's libvirt-clients), unmodified, against virtkitd: every golden transcript
// the CLI replays (test/cli/golden.test.ts) is replayed through the daemon on a private socket,
// and must match byte for byte under the same rules; so must virtkit's own command line through
// its remote driver.
import test from "ava";
import { readdirSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Daemon } from "../../src/daemon/server.js";
import { asWithDaemon, masked, readExtraCases, readGolden, recordedElsewhere, runCli, type Transcript } from "../support/cli.js";
import { fixturePath } from "../support/fixtures.js";
import { localizedGolden } from "../support/golden-rules.js";
import { testIf } from "../support/gated.js";
import { findProgram, runVirsh } from "../support/virsh.js";
import { tempDir } from "../support/temp.js";

const virsh = findProgram("virsh");
const gated = testIf(virsh ? undefined : "needs Debian's virsh (libvirt-clients)");
const inputs = fixturePath("virsh-golden", "inputs");
const saveDir = tempDir("virtkit-daemon-golden");
const socketDir = tempDir("vkd");
const socket = join(socketDir, "libvirt-sock");

/** The same URI, reached through the daemon's socket: test:///default → test+unix:///default?socket=… */
const viaSocket = (uri: string) => uri.replace(/^([a-z]+):\/\/(\/[^?]*)(\?.*)?$/, (_, scheme, path, query) => `${scheme}+unix://${path}${query ? `${query}&` : "?"}socket=${socket}`);

let daemon: Daemon | undefined;
test.before(async () => {
  if (virsh) daemon = await Daemon.start({ socketDir });
});
test.after.always(() => daemon?.stop());

/**
 * Every -c URI goes through the daemon; `virsh uri` then names the URI virsh was given, and the
 * XML library's warnings are the daemon's to log (libvirtd's too), not the client's to print.
 */
function throughDaemon(name: string, t: Transcript): Transcript {
  const golden = localizedGolden(name, t, saveDir);
  const local = { ...golden, stderr: golden.stderr.replace(/^I\/O warning : .*\n/m, "") };
  const args = local.args.map((a, i) => (local.args[i - 1] === "-c" ? viaSocket(a) : a));
  return name === "uri.txt" ? { ...local, args, stdout: local.stdout.replace("test:///default", viaSocket("test:///default")) } : { ...local, args };
}

const files = readdirSync(fixturePath("virsh-golden")).filter((f) => f.endsWith(".txt") && !f.startsWith("qemu-") && f !== "lxc-flow.txt");

function same(t: import("ava").ExecutionContext, actual: Transcript, expected: Transcript): void {
  t.is(masked(actual.stdout), masked(expected.stdout), "stdout");
  t.is(masked(actual.stderr), masked(expected.stderr), "stderr");
  t.is(actual.status, expected.status, "exit status");
}

for (const name of files.sort()) {
  gated.serial(`virsh: ${name}`, async (t) => {
    const expected = throughDaemon(name, readGolden(name)[0]);
    same(t, await runVirsh(virsh!, expected.args, inputs), expected);
  });
}

// virtkit's own command line, through its remote driver, gives the same transcripts
for (const name of files.sort()) {
  test.serial(`virtkit: ${name}`, async (t) => {
    if (!daemon) daemon = await Daemon.start({ socketDir });
    const expected = throughDaemon(name, readGolden(name)[0]);
    same(t, await runCli(expected.args, { cwd: inputs }), expected);
  });
}


// The further virsh 9.0 transcripts (test/cli/virsh-extra.json) through the daemon, by real virsh
// and by virtkit. Those that name URIs inside their commands (`connect`, `uri`) or print one are
// left out: the daemon is reached by a URI of its own.
const extraDirs = { fixtures: fileURLToPath(new URL("../cli/fixtures", import.meta.url)), inputs };

for (const c of readExtraCases().filter((c) => !/\b(connect|uri|capabilities)\b/.test(c.line))) {
  const args = c.args.map((a, i) => (c.args[i - 1] === "-c" ? viaSocket(a) : a));
  const check = (t: import("ava").ExecutionContext, actual: Transcript) => {
    const here = (s: string) => masked(s.replace(new RegExp(`^${hostname()}$`, "m"), "<host>").replaceAll(`${extraDirs[c.cwd]}/`, "<cwd>/"));
    t.is(here(actual.stdout), recordedElsewhere(c.stdout), "stdout");
    t.is(here(actual.stderr), recordedElsewhere(asWithDaemon(c).stderr), "stderr");
    t.is(actual.status, c.status, "exit status");
  };
  gated.serial(`virsh: ${c.line}`, async (t) => check(t, await runVirsh(virsh!, args, extraDirs[c.cwd])));
  test.serial(`virtkit: ${c.line}`, async (t) => {
    if (!daemon) daemon = await Daemon.start({ socketDir });
    check(t, await runCli(args, { cwd: extraDirs[c.cwd] }));
  });
}
