// lxc:///system through virtkitd: python3-libvirt attaches to a container's console (a stream; a
// second attach is refused as libvirt refuses it), a daemon started again finds the running
// container its predecessor's client created, untouched, and virtkit's remote driver hears the
// container's events and talks to its console.
import type { ExecutionContext } from "ava";
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Daemon } from "../../src/daemon/server.js";
import { openConnection } from "../../src/index.js";
import { needsRoot, testIf } from "../support/gated.js";
import { lxcTestNode } from "../support/hosted.js";
import { findProgram } from "../support/virsh.js";
import { rpcClient } from "../support/rpc.js";
import { textAppears } from "../support/streams.js";
import { tempDir } from "../support/temp.js";

const PYTHON = "/usr/bin/python3";
const havePython = existsSync(PYTHON) && existsSync("/usr/lib/python3/dist-packages/libvirt.py");
const asRoot = testIf(needsRoot("containers") ?? (havePython ? undefined : "needs Debian's python3-libvirt"));
const virsh = findProgram("virsh");
const script = findProgram("script");
const withConsole = testIf(needsRoot("containers") ?? (virsh && script ? undefined : "needs Debian's virsh (libvirt-clients) and script (bsdutils)"));
lxcTestNode("virtkit-daemon-lxc");

const socketDir = tempDir("vkd");
const socket = join(socketDir, "libvirt-sock");
const uri = `lxc+unix:///system?socket=${socket}`;
const container = (name: string) =>
  `<domain type='lxc'><name>${name}</name><memory>65536</memory><os><type>exe</type><init>/bin/sh</init></os><devices><console type='pty'/></devices></domain>`;

const client = () => rpcClient(socket, "lxc:///system");

function python(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(PYTHON, [fileURLToPath(new URL(`fixtures/${script}`, import.meta.url)), ...args], { env: { ...process.env, LIBVIRT_AUTOSTART: "0" } }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout))),
  );
}

/** A daemon for this test, and a container `name` started through it; both go at the test's end. */
async function daemonRunning(t: ExecutionContext, name: string): Promise<void> {
  const daemon = await Daemon.start({ socketDir });
  t.teardown(() => daemon.stop());
  const c = await client();
  t.teardown(() => c.close());
  const { dom } = await c.call("DOMAIN_CREATE_XML", { xml_desc: container(name), flags: 0 });
  t.teardown(() => c.call("DOMAIN_DESTROY", { dom }).catch(() => undefined));
}

asRoot.serial("python3-libvirt attaches to a container's console over the daemon; a second attach is refused", async (t) => {
  await daemonRunning(t, "chat");
  const out = await python("console.py", uri, "chat");
  t.is(out, "hostname seen\nsecond attach refused: 9 operation failed: Active console session exists for this domain\n");
});

asRoot.serial("a daemon started again finds the running container; its clients reconnect", async (t) => {
  const first = await Daemon.start({ socketDir });
  const c1 = await client();
  const { dom } = await c1.call("DOMAIN_CREATE_XML", { xml_desc: container("lasting"), flags: 0 });
  await first.stop();
  await t.throwsAsync(c1.call("DOMAIN_GET_STATE", { dom, flags: 0 }), { message: /client socket/ });

  const second = await Daemon.start({ socketDir });
  t.teardown(() => second.stop());
  const c2 = await client();
  t.teardown(() => c2.close());
  const found = await c2.call("DOMAIN_LOOKUP_BY_NAME", { name: "lasting" });
  t.is(found.dom.id, dom.id, "the same container (its id is its supervisor's pid)");
  t.deepEqual(await c2.call("DOMAIN_GET_STATE", { dom: found.dom, flags: 0 }), { state: 1, reason: 1 });
  await c2.call("DOMAIN_DESTROY", { dom: found.dom });
});

asRoot.serial("virtkit's remote driver: events and a console over the daemon, as the local driver gives them", async (t) => {
  const daemon = await Daemon.start({ socketDir });
  t.teardown(() => daemon.stop());
  const conn = await openConnection(uri);
  t.teardown(() => conn.close());
  const events: [string, number, number][] = [];
  const stopped = new Promise<void>((resolve) =>
    conn.on("lifecycle", (d, event, detail) => {
      events.push([d.name, event, detail]);
      if (event === 5) resolve();
    }),
  );
  const dom = await conn.createXML(container("remote"));
  const console = await dom.openConsole();
  const named = textAppears(console, "name=remote");
  console.write("echo name=$(hostname)\n");
  await named;
  console.write("exit 0\n");
  await stopped;
  console.destroy();
  t.deepEqual(events, [
    ["remote", 2, 0], // started, booted
    ["remote", 5, 0], // stopped, shutdown
  ]);
});

/** `virsh console` under script(1), which gives it the terminal it insists on: what it printed. */
function virshConsole(name: string, talk: (out: string, input: (text: string) => void) => void): Promise<{ out: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(script!, ["-qfec", `${virsh} -c '${uri}' console ${name}`, "/dev/null"], { env: { ...process.env, LIBVIRT_AUTOSTART: "0", LC_ALL: "C" } });
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      talk(out, (text) => child.stdin.write(text));
    });
    child.on("exit", (status) => resolve({ out, status }));
  });
}

withConsole.serial("virsh console attaches to a container over the daemon; a second virsh console is refused", async (t) => {
  await daemonRunning(t, "typed");
  let second: Promise<{ out: string; status: number | null }> | undefined;
  let step = 0;
  const first = await virshConsole("typed", (out, input) => {
    if (step === 0 && out.includes("Escape character is ^]")) {
      step = 1;
      second = virshConsole("typed", () => {});
      void second.then(() => input("echo name=$(hostname)\r"));
    }
    if (step === 1 && /name=typed\r\n/.test(out.split("echo name=")[1] ?? "")) {
      step = 2;
      input("\x1d"); // ^], virsh's escape
    }
  });
  t.is(first.status, 0);
  t.regex(first.out, /Connected to domain 'typed'\r\nEscape character is \^\] \(Ctrl \+ \]\)\r\n/);
  t.regex(first.out, /\r\nname=typed\r\n/);
  const refused = await second!;
  t.regex(refused.out, /error: operation failed: Active console session exists for this domain/);
  t.not(refused.status, 0);
});
