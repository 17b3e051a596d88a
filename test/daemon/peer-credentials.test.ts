// The read-write socket checks who connects (SO_PEERCRED, read by the native shim): root and the
// daemon's own user may open a connection; another user is refused with libvirt's
// VIR_ERR_AUTH_FAILED even if the socket's mode is loosened, and still reads through the
// read-only socket.
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { Daemon } from "../../src/daemon/server.js";
import { needsRoot, testIf } from "../support/gated.js";
import { findProgram, runVirsh } from "../support/virsh.js";
import { tempDir } from "../support/temp.js";

const virsh = findProgram("virsh");
const runuser = findProgram("runuser");
const gated = testIf(needsRoot("another user's client") ?? (virsh && runuser ? undefined : "needs Debian's virsh (libvirt-clients) and runuser"));

gated("another user is refused on the read-write socket, whatever its mode, and reads on the read-only one", async (t) => {
  const socketDir = tempDir("vkd-peer");
  chmodSync(socketDir, 0o755);
  const daemon = await Daemon.start({ socketDir });
  t.teardown(() => daemon.stop());
  const rw = join(socketDir, "libvirt-sock");
  chmodSync(rw, 0o666); // the mode no longer keeps anyone out: the credentials must
  const asNobody = (socket: string) => runVirsh(runuser!, ["-u", "nobody", "--", virsh!, "-c", `test+unix:///default?socket=${socket}`, "domstate", "test"], "/");
  const refused = await asNobody(rw);
  t.is(refused.status, 1);
  t.regex(refused.stderr, /^error: failed to connect to the hypervisor\nerror: authentication failed: uid 65534 \(pid \d+\) may not use the read-write socket\n$/);
  const reader = await asNobody(join(socketDir, "libvirt-sock-ro"));
  t.is(reader.stdout, "running\n\n");
  const root = await runVirsh(virsh!, ["-c", `test+unix:///default?socket=${rw}`, "domstate", "test"], "/");
  t.is(root.stdout, "running\n\n");
});
