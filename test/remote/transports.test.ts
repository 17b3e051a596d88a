// The remote driver's transports against virtkitd: unix, TCP (read-only: nobody is known), TLS
// with libvirt's certificate files (a client the CA signed may change things, another is
// refused), ext (any command's stdin and stdout) and ssh (the system's ssh client, here a
// stand-in that runs the far side's command locally: no sshd is needed).
import test from "ava";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Daemon } from "../../src/daemon/server.js";
import { ErrorNumber, openConnection, VirtError } from "../../src/index.js";
import { testIf } from "../support/gated.js";
import { findProgram } from "../support/virsh.js";
import { tempDir } from "../support/temp.js";

const socketDir = tempDir("vkd");
const socket = join(socketDir, "libvirt-sock");
const pki = tempDir("virtkit-pki");
const openssl = findProgram("openssl");
const withOpenssl = testIf(openssl ? undefined : "needs openssl to make test certificates");
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

/** A CA, a server certificate for localhost and a client certificate, as libvirt names them. */
function makeCertificates(dir: string): void {
  const run = (...args: string[]) => execFileSync(openssl!, args, { cwd: dir, stdio: "ignore" });
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "cakey.pem", "-out", "cacert.pem", "-days", "2", "-subj", "/CN=virtkit test CA");
  for (const [who, ext] of [["server", "subjectAltName=DNS:localhost,IP:127.0.0.1"], ["client", "extendedKeyUsage=clientAuth"]]) {
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${who}key.pem`, "-out", `${who}.csr`, "-subj", `/CN=${who === "server" ? "localhost" : "virtkit test client"}`);
    writeFileSync(join(dir, `${who}.ext`), `${ext}\n`);
    run("x509", "-req", "-in", `${who}.csr`, "-CA", "cacert.pem", "-CAkey", "cakey.pem", "-CAcreateserial", "-out", `${who}cert.pem`, "-days", "2", "-extfile", `${who}.ext`);
  }
}

let daemon: Daemon;
test.before(async () => {
  let tls;
  if (openssl) {
    makeCertificates(pki);
    tls = { host: "127.0.0.1", port: 0, cert: readFileSync(join(pki, "servercert.pem")), key: readFileSync(join(pki, "serverkey.pem")), ca: readFileSync(join(pki, "cacert.pem")) };
  }
  daemon = await Daemon.start({ socketDir, tcp: { host: "127.0.0.1", port: 0 }, tls });
});
test.after.always(() => daemon.stop());

test("tcp: answers, and every change is refused (nothing says who calls)", async (t) => {
  const conn = await openConnection(`test+tcp://127.0.0.1:${daemon.portOf("tcp")}/default`);
  t.teardown(() => conn.close());
  const dom = await conn.lookupByName("test");
  t.is((await dom.getInfo()).nrVirtCpu, 2);
  const e = await t.throwsAsync(dom.destroy(), { instanceOf: VirtError });
  t.is(e!.code, ErrorNumber.VIR_ERR_OPERATION_DENIED);
});

withOpenssl("tls: a client the CA signed may change things; libvirt's file names under pkipath=", async (t) => {
  const uri = `test+tls://localhost:${daemon.portOf("tls")}/default?pkipath=${pki}`;
  const conn = await openConnection(uri);
  t.teardown(() => conn.close());
  t.is(await conn.getURI(), uri);
  const dom = await conn.lookupByName("test");
  await dom.suspend();
  t.is((await dom.getState()).state, 3);
  await dom.resume();
});

withOpenssl("tls: a client with no certificate from the CA is refused", async (t) => {
  const stranger = tempDir("virtkit-pki-stranger");
  makeCertificates(stranger);
  writeFileSync(join(stranger, "cacert.pem"), readFileSync(join(pki, "cacert.pem"))); // trusts the server, is not trusted
  await t.throwsAsync(openConnection(`test+tls://localhost:${daemon.portOf("tls")}/default?pkipath=${stranger}`));
});

test("ext: the command's stdin and stdout carry the protocol", async (t) => {
  const command = join(tempDir("virtkit-ext"), "bridge");
  writeFileSync(command, `#!/bin/sh\nexec "${process.execPath}" "${fixture("unix-bridge.mjs")}" "${socket}"\n`);
  chmodSync(command, 0o755);
  const conn = await openConnection(`test+ext:///default?command=${command}`);
  t.teardown(() => conn.close());
  t.is((await conn.listAllDomains()).map((d) => d.name).join(), "test");
});

test("ext: a command that goes away says why, even when the first write already failed", async (t) => {
  const command = join(tempDir("virtkit-ext-gone"), "gone");
  // stdin closed at once, so the client's first write meets a closed pipe; the pause only makes
  // that happen before the exit every time (the answer is the same either way)
  writeFileSync(command, "#!/bin/sh\nexec 0<&-\necho 'ssh: connect to host far port 22: Connection refused' >&2\nsleep 0.3\nexit 255\n");
  chmodSync(command, 0o755);
  await t.throwsAsync(openConnection(`test+ext:///default?command=${command}`), { message: "Cannot recv data: ssh: connect to host far port 22: Connection refused" });
});

test("ssh: libvirt's ssh command line, then netcat on the far side's socket", async (t) => {
  const log = join(tempDir("virtkit-ssh"), "args");
  process.env.FAKE_SSH_LOG = log;
  const netcat = join(tempDir("virtkit-nc"), "nc");
  writeFileSync(netcat, `#!/bin/sh\n[ "$1" = -U ] && exec "${process.execPath}" "${fixture("unix-bridge.mjs")}" "$2"\n`);
  chmodSync(netcat, 0o755);
  const conn = await openConnection(`test+ssh://admin@far.example:2222/default?command=${fixture("fake-ssh.sh")}&netcat=${netcat}&proxy=netcat&socket=${socket}`);
  t.teardown(() => conn.close());
  t.is((await conn.lookupByName("test")).uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
  t.deepEqual(readFileSync(log, "utf8").split("\n").slice(0, -1), ["-p", "2222", "-l", "admin", "-T", "-e", "none", "--", "far.example", `sh -c 'exec '\\''${netcat}'\\'' -U '\\''${socket}'\\'''`]);
});

test("ssh: without proxy=, the far side runs virt-ssh-helper when it has one, else netcat", async (t) => {
  const { parseRemoteURI } = await import("../../src/drivers/remote/uri.js");
  const { sshProxyCommand } = await import("../../src/drivers/remote/transport.js");
  const remote = parseRemoteURI("qemu+ssh://root@host/system")!;
  t.is(remote.name, "qemu:///system");
  t.is(sshProxyCommand(remote, false), "if command -v virt-ssh-helper >/dev/null 2>&1; then exec virt-ssh-helper 'qemu:///system'; else exec 'nc' -U '/run/libvirt/libvirt-sock'; fi");
  t.is(sshProxyCommand(remote, true), "if command -v virt-ssh-helper >/dev/null 2>&1; then exec virt-ssh-helper 'qemu:///system'; else exec 'nc' -U '/run/libvirt/libvirt-sock-ro'; fi");
});

