// The ssh transport for real: an sshd of the test's own (its host key, one authorized key, a
// private port on 127.0.0.1), and virtkitd at libvirt's own socket path, /run/libvirt, where
// virt-ssh-helper and nc on the far side look. virtkit's remote driver goes through the system's
// ssh, as libvirt's client does, and so does Debian's virsh.
import test from "ava";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Daemon } from "../../src/daemon/server.js";
import { openConnection } from "../../src/index.js";
import { needsRoot, testIf } from "../support/gated.js";
import { findProgram, runVirsh } from "../support/virsh.js";
import { tempDir } from "../support/temp.js";

const sshd = ["/usr/sbin/sshd"].find(existsSync);
const ssh = findProgram("ssh");
const helper = findProgram("virt-ssh-helper");
const virsh = findProgram("virsh");
const libvirtPaths = "/run/libvirt";
const missing =
  needsRoot("an sshd, and virtkitd at /run/libvirt") ??
  (sshd && ssh && helper ? undefined : "needs Debian's openssh-server, openssh-client and virt-ssh-helper (libvirt-daemon)") ??
  (existsSync(join(libvirtPaths, "libvirt-sock")) ? "a libvirt daemon already serves /run/libvirt" : undefined);
const gated = testIf(missing);

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

let sshdProcess: ChildProcess | undefined;
let daemon: Daemon | undefined;
let uri = "";

test.before(async () => {
  if (missing) return;
  const dir = tempDir("virtkit-sshd");
  const keygen = (file: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, file)]);
  keygen("hostkey");
  keygen("clientkey");
  execFileSync("cp", [join(dir, "clientkey.pub"), join(dir, "authorized_keys")]);
  const port = await freePort();
  writeFileSync(
    join(dir, "sshd_config"),
    [`ListenAddress 127.0.0.1`, `Port ${port}`, `HostKey ${join(dir, "hostkey")}`, `AuthorizedKeysFile ${join(dir, "authorized_keys")}`, `PidFile ${join(dir, "sshd.pid")}`, "StrictModes no", "UsePAM no", "PermitRootLogin yes", "PasswordAuthentication no", ""].join("\n"),
  );
  mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege separation directory
  sshdProcess = spawn(sshd!, ["-D", "-e", "-f", join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: sshdProcess!.stderr! }).on("line", (line) => line.startsWith("Server listening on") && resolve());
    sshdProcess!.once("exit", (code) => reject(new Error(`sshd exited (${code})`)));
  });
  // the system's ssh, told to trust this test's sshd without asking
  const wrapper = join(dir, "ssh");
  writeFileSync(wrapper, `#!/bin/sh\nexec ${ssh} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$@"\n`);
  chmodSync(wrapper, 0o755);
  daemon = await Daemon.start({ socketDir: libvirtPaths });
  uri = `test+ssh://root@127.0.0.1:${port}/default?keyfile=${join(dir, "clientkey")}&command=${wrapper}`;
});
test.after.always(async () => {
  await daemon?.stop();
  sshdProcess?.kill();
});

gated("virtkit's remote driver reaches virtkitd through ssh and virt-ssh-helper", async (t) => {
  const conn = await openConnection(uri);
  t.teardown(() => conn.close());
  t.is(await conn.getType(), "TEST");
  const dom = await conn.lookupByName("test");
  t.is((await dom.getInfo()).nrVirtCpu, 2);
});

testIf(missing ?? (findProgram("nc") ? undefined : "needs nc (netcat-openbsd)"))("the same through nc on the far side (proxy=netcat)", async (t) => {
  const conn = await openConnection(`${uri}&proxy=netcat`);
  t.teardown(() => conn.close());
  t.deepEqual((await conn.listAllDomains()).map((d) => d.name), ["test"]);
});

gated("an sshd that is not there: ssh's own words, as libvirt reports them", async (t) => {
  const closed = await freePort();
  await t.throwsAsync(openConnection(uri.replace(/:\d+\//, `:${closed}/`)), { message: new RegExp(`^Cannot recv data: ssh: connect to host 127\\.0\\.0\\.1 port ${closed}: Connection refused`) });
});

testIf(missing ?? (virsh ? undefined : "needs Debian's virsh"))("Debian's virsh goes the same way", async (t) => {
  const r = await runVirsh(virsh!, ["-c", uri, "domstate", "test"], "/");
  t.is(r.stdout, "running\n\n", r.stderr);
});
