// Real virsh 9.0 (Debian's libvirt-clients), unmodified, against virtkitd: every golden transcript
// the CLI replays (test/cli/golden.test.ts) is replayed through the daemon on a private socket,
// and must match byte for byte under the same rules.
import test from "ava";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Daemon } from "../../src/daemon/server.js";
import { masked, readGolden, type Transcript } from "../support/cli.js";
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

for (const name of files.sort()) {
  gated.serial(name, async (t) => {
    const expected = throughDaemon(name, readGolden(name)[0]);
    const actual = await runVirsh(virsh!, expected.args, inputs);
    t.is(masked(actual.stdout), masked(expected.stdout), "stdout");
    t.is(masked(actual.stderr), masked(expected.stderr), "stderr");
    t.is(actual.status, expected.status, "exit status");
  });
}

