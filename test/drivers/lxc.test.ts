// lxc:/// for real: containers in namespaces with cgroup limits on this host (v1, hybrid or v2),
// through the public API, with the state on disk shared by every process. Needs root (CI is).
import test from "ava";
import { needsNativeCpu, needsRoot, testIf } from "../support/gated.js";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DomainState, DomainShutoffReason, ErrorNumber, openConnection, VirtError, type Connection } from "../../src/index.js";
import { cgroupFacts } from "../../src/drivers/lxc/host.js";
import { eventFrom, instanceFile, instanceFiles, killAndAwaitEnd, lxcTestNode, openForTest, processAlive, processesLeft } from "../support/hosted.js";
import { textAppears } from "../support/streams.js";

const asRoot = testIf(needsRoot("namespaces, cgroups"));
const asRootNatively = testIf(needsRoot("namespaces, cgroups") ?? needsNativeCpu("2,048 forks"));
const { base, runDir } = lxcTestNode("virtkit-lxc-test");

test.after.always(() => {
  rmSync(base, { recursive: true, force: true });
  // the nodes' own levels stay after their containers (as /virtkit does): these tests' go
  const mounts = v2 ? [v2Root] : [...cgroupFacts().matchAll(/^v1 \S+ (\S+)$/gm)].map((m) => m[1]);
  for (const run of [runDir, ...otherNodes]) {
    for (const mount of new Set(mounts)) {
      try {
        rmdirSync(join(mount, nodeGroup(run)));
      } catch {
        // never made, or (a test failed) still holding a group
      }
    }
  }
});
/** Run directories of the other nodes tests opened. */
const otherNodes: string[] = [];

const v2 = !/^v1 /m.test(cgroupFacts());
const v2Root = /^v2 (\S+)/m.exec(cgroupFacts())?.[1] ?? "/sys/fs/cgroup";
/** A node's level in each hierarchy: virtkit/node- and the FNV-1a 64-bit hash of its run directory (cgroups.ts). */
function nodeGroup(run: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(run)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return `virtkit/node-${h.toString(16).padStart(16, "0")}`;
}
/** The domain's cgroup directory for a controller ("" on v2), on this test's node or the one of run directory `run`. */
const cgroupDir = (name: string, controller: string, run = runDir) => (v2 ? `${v2Root}/${nodeGroup(run)}/lxc-${name}` : `/sys/fs/cgroup/${controller}/${nodeGroup(run)}/lxc-${name}`);
/** The controllers whose groups a container gets (v1), or the one hierarchy (v2: ""). */
const CONTROLLERS = v2 ? [""] : ["memory", "cpu", "freezer", "pids", "devices"];

function xml(name: string, init: string, extra = "", devices = "<console type='pty'/>"): string {
  return `<domain type='lxc'><name>${name}</name><memory unit='MiB'>64</memory>${extra}<os><type>exe</type><init>${init}</init></os><devices>${devices}</devices></domain>`;
}

/** Init: a shell that waits on its console (the supervisor's pty) forever. */
const SHELL = "/bin/sh";

const lxc = (t: import("ava").ExecutionContext): Promise<Connection> => openForTest(t, "lxc:///system");

/** The pid of the container's init on the host, from the supervisor's status file (of this test's node, or the one of run directory `run`). */
function initPid(name: string, run = runDir): number {
  return Number(/^init (\d+)$/m.exec(readFileSync(instanceFile(run, name, "status"), "utf8"))?.[1]);
}

async function nothingLeft(t: import("ava").ExecutionContext, name: string, pids: number[]): Promise<void> {
  for (const pid of pids) t.false(existsSync(`/proc/${pid}`), `process ${pid} is gone`);
  for (const controller of CONTROLLERS) t.false(existsSync(cgroupDir(name, controller)), `no cgroup left (${controller})`);
  t.deepEqual(instanceFiles(runDir, name, "sock"), [], "no control socket left");
  t.false(existsSync(join(runDir, `${name}.root`)), "no staging directory left");
  t.deepEqual(await processesLeft(`${runDir}/${name}.plan`), [], "no supervisor left");
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}


asRoot.serial("a container runs init as PID 1 with its hostname, limits and a read-only host root", async (t) => {
  const conn = await lxc(t);
  const dom = await conn.defineXML(xml("c1", SHELL, "<cputune><shares>512</shares></cputune>"));
  await dom.create();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_RUNNING, reason: 1 });
  const pid = initPid("c1");
  t.regex(readFileSync(`/proc/${pid}/status`, "utf8"), new RegExp(`^NSpid:\\s+${pid}\\s+1$`, "m"), "init is PID 1 inside");
  t.is(readFileSync(`/proc/${pid}/comm`, "utf8"), "sh\n");
  t.is(execFileSync("nsenter", ["--uts", "--target", String(pid), "hostname"], { encoding: "utf8" }), "c1\n");
  const rootMount = readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").find((l) => l.split(" ")[4] === "/");
  t.regex(rootMount ?? "", / ro[, ]/);
  const memory = v2 ? readFileSync(join(cgroupDir("c1", ""), "memory.max"), "utf8") : readFileSync(join(cgroupDir("c1", "memory"), "memory.limit_in_bytes"), "utf8");
  t.is(memory.trim(), String(64 * 1024 * 1024));
  const shares = v2 ? readFileSync(join(cgroupDir("c1", ""), "cpu.weight"), "utf8") : readFileSync(join(cgroupDir("c1", "cpu"), "cpu.shares"), "utf8");
  t.is(shares.trim(), "512");
  t.regex(readFileSync(`/proc/${pid}/cgroup`, "utf8"), /lxc-c1/);
  const info = await dom.getInfo();
  t.is(info.maxMem, 65536);
  t.true(info.memory > 0 && info.memory < 65536, "memory use comes from the cgroup");
  const supervisor = await dom.getID();
  await dom.destroy();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_DESTROYED });
  await nothingLeft(t, "c1", [pid]);
  // the supervisor exits after its answer; the next call that looks at the node reaps it
  for (const until = Date.now() + 5000; existsSync(`/proc/${supervisor}`) && Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 10))) await dom.getState();
  t.false(existsSync(`/proc/${supervisor}`), "the supervisor is reaped: no zombie stays in the process that started it");
  await dom.undefine();
});

asRoot.serial("suspend and resume freeze and thaw the container's cgroup", async (t) => {
  const conn = await lxc(t);
  const dom = await conn.createXML(xml("frozen", SHELL));
  const freezer = v2 ? join(cgroupDir("frozen", ""), "cgroup.freeze") : join(cgroupDir("frozen", "freezer"), "freezer.state");
  await dom.suspend();
  t.is(readFileSync(freezer, "utf8").trim(), v2 ? "1" : "FROZEN");
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_PAUSED, reason: 1 });
  await dom.resume();
  t.is(readFileSync(freezer, "utf8").trim(), v2 ? "0" : "THAWED");
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_RUNNING, reason: 5 });
  await dom.suspend();
  const pid = initPid("frozen");
  await dom.destroy(); // a frozen container still dies
  await nothingLeft(t, "frozen", [pid]);
  await t.throwsAsync(conn.lookupByName("frozen"), { instanceOf: VirtError }, "a transient domain is gone once stopped");
});

asRoot.serial("init ending by itself: exit 0 is a shutdown, anything else a crash", async (t) => {
  const conn = await lxc(t);
  for (const [init, reason] of [
    ["/bin/true", DomainShutoffReason.VIR_DOMAIN_SHUTOFF_SHUTDOWN],
    ["/bin/false", DomainShutoffReason.VIR_DOMAIN_SHUTOFF_CRASHED],
  ] as const) {
    const dom = await conn.defineXML(xml("ends", init));
    await dom.create();
    // The supervisor records the end when it reaps init; wait for the status it writes.
    await waitForStatus("ends");
    t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason }, init);
    await nothingLeft(t, "ends", []);
    await dom.undefine();
  }
});

/** Resolves once the supervisor has recorded that the container ended (it then exits). */
async function waitForStatus(name: string): Promise<void> {
  const { watch } = await import("node:fs");
  const ended = () => /^state shutoff$/m.test(readText(instanceFile(runDir, name, "status")));
  if (ended()) return;
  await new Promise<void>((resolve) => {
    const watcher = watch(runDir, () => {
      if (ended()) {
        watcher.close();
        resolve();
      }
    });
    if (ended()) {
      watcher.close();
      resolve();
    }
  });
}

asRoot.serial("another process sees the same node: a container outlives the process that started it", async (t) => {
  const cli = fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url));
  const env = { ...process.env };
  const run = (cmd: string) => spawnSync(process.execPath, [cli, "-c", "lxc:///system", cmd], { encoding: "utf8", env });
  const conn = await lxc(t);
  await conn.defineXML(xml("shared", SHELL));
  t.is(run("start shared").stdout, "Domain 'shared' started\n\n");
  const listed = run("list");
  t.regex(listed.stdout, /^ (\d+) +shared +running$/m, "a new process lists it running");
  const dom = await conn.lookupByName("shared");
  t.true(await dom.isActive(), "this connection sees the other process's start");
  const id = Number(/^ (\d+) +shared/m.exec(listed.stdout)![1]);
  t.is(await dom.getID(), id);
  t.is(run("destroy shared").stdout, "Domain 'shared' destroyed\n\n");
  t.false(await dom.isActive());
  t.is(run("domstate shared --reason").stdout, "shut off (destroyed)\n\n");
  await dom.undefine();
  t.deepEqual(readdirSync(runDir).filter((f) => f.startsWith("shared.") && !f.endsWith(".log")), [], "undefine removes its runtime files");
  await conn.defineXML(xml("shared", SHELL));
  t.is(run("domstate shared --reason").stdout, "shut off (unknown)\n\n", "a new domain of the name has no state of the old one");
  await (await conn.lookupByName("shared")).undefine();
});

asRoot.serial("a failed start leaves no process, cgroup, socket or mount behind", async (t) => {
  const conn = await lxc(t);
  const cases: [string, string, RegExp][] = [
    ["noinit", xml("noinit", "/no/such/init"), /^internal error: guest failed to start: cannot find init path '\/no\/such\/init' relative to container root: No such file or directory$/],
    ["badmount", xml("badmount", SHELL, "", "<filesystem type='mount'><source dir='/no/such/dir'/><target dir='/mnt'/></filesystem>"), /guest failed to start: bind \/no\/such\/dir .*No such file or directory/],
    ["badcpus", xml("badcpus", SHELL, "<vcpu cpuset='1000'>1</vcpu>"), /^Unable to write to '\/sys\/fs\/cgroup\/.*cpuset\.cpus': (Invalid argument|Numerical result out of range)$/],
  ];
  for (const [name, def, message] of cases) {
    const dom = await conn.defineXML(def);
    const e = await t.throwsAsync(dom.create(), { instanceOf: VirtError }, name);
    t.regex(e?.message ?? "", message, name);
    t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: 0 }, name);
    await nothingLeft(t, name, []); // (a process left in the container would keep its cgroups)
    t.false(existsSync(join(runDir, `${name}.plan`)), `${name}: no plan left`);
    await dom.undefine();
  }
  const wrongType = await t.throwsAsync(conn.defineXML("<domain type='kvm'><name>k</name><memory>1024</memory><os><type>hvm</type></os></domain>"), { instanceOf: VirtError });
  t.is(wrongType?.code, ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED);
});

/** A running container whose init is a shell, with its init's and supervisor's pids. */
async function runningShell(t: import("ava").ExecutionContext, name: string) {
  const dom = await (await lxc(t)).defineXML(xml(name, SHELL));
  await dom.create();
  return { dom, init: initPid(name), supervisor: await dom.getID() };
}

asRoot.serial("a supervisor that stops answering: commands time out, and destroy still ends the container and leaves nothing", async (t) => {
  const { dom, init, supervisor } = await runningShell(t, "wedged");
  process.kill(supervisor, "SIGSTOP"); // it keeps its socket, and answers nothing
  process.env.VIRTKIT_CONTROL_WAIT_MS = "300";
  t.teardown(() => delete process.env.VIRTKIT_CONTROL_WAIT_MS);
  const e = await t.throwsAsync(dom.shutdown(), { instanceOf: VirtError });
  t.is(e?.code, ErrorNumber.VIR_ERR_OPERATION_TIMEOUT);
  t.is(e?.message, "Timed out during operation: the domain's process did not answer 'shutdown' within 0.3 s");
  t.is((await dom.getState()).state, DomainState.VIR_DOMAIN_RUNNING, "a command that timed out changes nothing");

  await dom.destroy();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_DESTROYED });
  // both killed, and waited for (their zombies wait for this host's init to reap them)
  t.false(processAlive(supervisor), "the supervisor is killed");
  t.false(processAlive(init), "init is killed");
  await dom.getState();
  t.false(existsSync(`/proc/${supervisor}`), "the supervisor is reaped: no zombie stays in the process that started it");
  await nothingLeft(t, "wedged", []);
  t.regex(readText(instanceFile(runDir, "wedged", "status")), /^reason destroyed$/m, "the end its supervisor could not record is recorded");
  const other = await lxc(t);
  t.deepEqual(await (await other.lookupByName("wedged")).getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_DESTROYED }, "another process sees it destroyed");
  await dom.undefine();
});

asRoot.serial("a supervisor that died unrecorded, its pid since another process's: the container is crashed, its cgroups go, the other process stays", async (t) => {
  const { dom, init, supervisor } = await runningShell(t, "ghost");
  // the supervisor dies without a word (the OOM killer, say), and its pid goes to another
  // process: another program, or (as likely) another container's supervisor
  const stranger = spawn("sleep", ["600"], { stdio: "ignore" });
  t.teardown(() => stranger.kill("SIGKILL"));
  const bystander = await runningShell(t, "bystander");
  process.kill(supervisor, "SIGKILL");
  const statusFile = instanceFile(runDir, "ghost", "status");
  const status = readFileSync(statusFile, "utf8");
  t.regex(status, /^started \d+$/m, "the supervisor records when it started");
  for (const pid of [bystander.supervisor, stranger.pid]) {
    writeFileSync(statusFile, status.replace(/^supervisor \d+$/m, `supervisor ${pid}`));
    const other = await lxc(t); // a new process's view: it reads the status file
    t.deepEqual(await (await other.lookupByName("ghost")).getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_CRASHED }, `pid ${pid}`);
  }
  await dom.undefine(); // the next change ends whatever was left (init dies with its supervisor: PDEATHSIG)
  t.false(processAlive(init), "init is gone");
  await nothingLeft(t, "ghost", []);
  t.true(processAlive(stranger.pid!), "the program that has the pid now is not killed");
  t.true(processAlive(bystander.supervisor), "nor the other container's supervisor");
  t.deepEqual(await bystander.dom.getState(), { state: DomainState.VIR_DOMAIN_RUNNING, reason: 1 });
  t.false(existsSync(statusFile), "undefine removed its status file");
  await bystander.dom.destroy();
  await bystander.dom.undefine();
});

asRoot.serial("a container over its memory limit is killed and reported crashed, and cleaned up", async (t) => {
  const conn = await lxc(t);
  // 8 MiB is far too little for python; the OOM killer ends init.
  const dom = await conn.defineXML(xml("oom", "/usr/bin/python3", "", "<console type='pty'/>").replace("<memory unit='MiB'>64</memory>", "<memory unit='MiB'>8</memory>").replace("</init>", "</init><initarg>-c</initarg><initarg>x = bytearray(64 &lt;&lt; 20)</initarg>"));
  await dom.create().catch(() => undefined); // it may die before or after the start returns
  await waitForStatus("oom").catch(() => undefined);
  const state = await dom.getState();
  t.is(state.state, DomainState.VIR_DOMAIN_SHUTOFF);
  t.not(state.reason, DomainShutoffReason.VIR_DOMAIN_SHUTOFF_SHUTDOWN);
  await nothingLeft(t, "oom", []);
  await dom.undefine();
});

asRoot.serial("scheduler parameters and memory change a running container's cgroups", async (t) => {
  const conn = await lxc(t);
  const dom = await conn.defineXML(xml("tuned", SHELL));
  await dom.create();
  t.deepEqual(await dom.getSchedulerType(), { type: "posix", nparams: 3 });
  await dom.setSchedulerParameters([
    { field: "cpu_shares", type: 4, value: 300 },
    { field: "vcpu_quota", type: 3, value: 50000 },
  ]);
  const cpu = cgroupDir("tuned", "cpu");
  if (v2) {
    t.is(readFileSync(join(cpu, "cpu.weight"), "utf8").trim(), "300");
    t.is(readFileSync(join(cpu, "cpu.max"), "utf8").trim(), "50000 100000");
  } else {
    t.is(readFileSync(join(cpu, "cpu.shares"), "utf8").trim(), "300");
    t.is(readFileSync(join(cpu, "cpu.cfs_quota_us"), "utf8").trim(), "50000");
  }
  const params = Object.fromEntries((await dom.getSchedulerParameters()).map((p) => [p.field, p.value]));
  t.like(params, { cpu_shares: 300, vcpu_quota: 50000 });
  await dom.setMemory(32768);
  const limit = v2 ? join(cgroupDir("tuned", ""), "memory.max") : join(cgroupDir("tuned", "memory"), "memory.limit_in_bytes");
  t.is(readFileSync(limit, "utf8").trim(), String(32 * 1024 * 1024));
  // the next boot keeps its own values
  t.like(Object.fromEntries((await dom.getSchedulerParameters(2)).map((p) => [p.field, p.value])), { cpu_shares: 0 });
  await t.throwsAsync(dom.setSchedulerParameters([{ field: "weight", type: 2, value: 1 }]), { message: "argument unsupported: parameter 'weight' not supported" });
  await dom.destroy();
  await dom.undefine();
});

asRoot.serial("a running container's scheduler values are its cgroups', not its definition's", async (t) => {
  const conn = await lxc(t);
  const dom = await conn.defineXML(xml("untuned", SHELL));
  await dom.create();
  // the definition has no <cputune>: its values read 0, the cgroups' are the kernel's defaults
  t.like(Object.fromEntries((await dom.getSchedulerParameters()).map((p) => [p.field, p.value])), { vcpu_period: 100000, vcpu_quota: -1 });
  t.like(Object.fromEntries((await dom.getSchedulerParameters(2)).map((p) => [p.field, p.value])), { vcpu_period: 0, vcpu_quota: 0 });
  await dom.destroy();
  await dom.undefine();
});

asRoot.serial("listeners hear how a transient container ended, though its files are gone", async (t) => {
  const conn = await lxc(t);
  const stopped = new Promise<[number, number]>((resolve) => conn.on("lifecycle", (_d, event, detail) => event === 5 && resolve([event, detail])));
  await conn.createXML(xml("fleeting", SHELL));
  process.kill(initPid("fleeting"), "SIGKILL"); // init killed from outside: crashed
  t.deepEqual(await eventFrom(stopped), [5, 2], "stopped, crashed");
  await t.throwsAsync(conn.lookupByName("fleeting"), { code: ErrorNumber.VIR_ERR_NO_DOMAIN });
  t.deepEqual(instanceFiles(runDir, "fleeting", "status"), [], "its status file went with it");
});

asRoot.serial("listeners hear a container end by itself, and the console carries the guest's bytes", async (t) => {
  const conn = await lxc(t);
  const dom = await conn.defineXML(xml("talk", SHELL));
  const events: [string, number, number][] = [];
  const stopped = new Promise<void>((resolve) =>
    conn.on("lifecycle", (d, event, detail) => {
      events.push([d.name, event, detail]);
      if (event === 5) resolve();
    }),
  );
  await dom.create();
  // the live XML names the console's pty, as libvirt's does
  const tty = /<console type='pty' tty='(\/dev\/pts\/\d+)'>\s*<source path='(\/dev\/pts\/\d+)'\/>/.exec(await dom.getXMLDesc());
  t.truthy(tty?.[1]);
  t.is(tty?.[2], tty?.[1]);
  t.notRegex(await conn.lookupByName("talk").then((d) => d.getXMLDesc(2)), /tty=/, "an inactive definition names no pty"); // VIR_DOMAIN_XML_INACTIVE
  const console = await dom.openConsole();
  const hostname = textAppears(console, "name=talk");
  console.write("echo name=$(hostname)\n");
  await hostname;
  await t.throwsAsync(dom.openConsole(), { message: /Active console session exists/ });
  console.write("exit 0\n"); // init (the shell) ends by itself
  await eventFrom(stopped);
  console.destroy();
  t.deepEqual(events, [
    ["talk", 2, 0], // started, booted
    ["talk", 5, 0], // stopped, shutdown
  ]);
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_SHUTDOWN });
  await dom.undefine();
});

asRoot.serial("a user namespace maps the container's ids with <idmap>", async (t) => {
  const conn = await lxc(t);
  const dom = await conn.createXML(xml("mapped", SHELL, "<idmap><uid start='0' target='100000' count='65536'/><gid start='0' target='100000' count='65536'/></idmap>"));
  const pid = initPid("mapped");
  t.is(readFileSync(`/proc/${pid}/uid_map`, "utf8").trim().split(/\s+/).join(" "), "0 100000 65536");
  t.regex(readFileSync(`/proc/${pid}/status`, "utf8"), /^Uid:\s+100000\s/m, "root inside is 100000 outside");
  await dom.destroy();
  await nothingLeft(t, "mapped", [pid]);
});

asRoot.serial("a transient container whose name holds a backslash runs from files of that name", async (t) => {
  const conn = await lxc(t);
  const name = "back\\slash"; // escaped in its plan's lines
  const dom = await conn.createXML(xml(name, SHELL));
  const pid = initPid(name);
  t.true(existsSync(join(runDir, `${name}.plan`)));
  await dom.destroy();
  await nothingLeft(t, name, [pid]);
});

asRoot.serial("reboot restarts init in place; two processes starting one domain: one wins", async (t) => {
  const conn = await lxc(t);
  const other = await openConnection("lxc:///system");
  t.teardown(() => other.close());
  const dom = await conn.defineXML(xml("twice", SHELL));
  const results = await Promise.allSettled([dom.create(), (await other.lookupByName("twice")).create()]);
  t.is(results.filter((r) => r.status === "fulfilled").length, 1);
  const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
  t.is((failed.reason as VirtError).message, "Requested operation is not valid: domain is already running");
  const first = initPid("twice");
  const id = await dom.getID();
  await dom.reboot();
  t.is(await dom.getID(), id, "the same supervisor: the same id");
  await waitForInit("twice", first);
  t.not(initPid("twice"), first, "a new init");
  await dom.destroy();
  await dom.undefine();
});

/** Resolves once the supervisor records an init other than `previous`. */
async function waitForInit(name: string, previous: number): Promise<void> {
  const { watch } = await import("node:fs");
  const changed = () => initPid(name) !== previous;
  if (changed()) return;
  await new Promise<void>((resolve) => {
    const watcher = watch(runDir, () => changed() && (watcher.close(), resolve()));
    if (changed()) (watcher.close(), resolve());
  });
}

// ---- a container's cgroups: its node's own, a task limit, a device allow-list ------------------------------

/** A connection to another lxc:/// node: its own config and run directories below `dir`. */
async function otherNode(t: import("ava").ExecutionContext, dir: string): Promise<{ conn: Connection; run: string }> {
  const saved = { config: process.env.VIRTKIT_CONFIG_DIR, run: process.env.VIRTKIT_RUN_DIR };
  process.env.VIRTKIT_CONFIG_DIR = join(dir, "etc");
  process.env.VIRTKIT_RUN_DIR = join(dir, "run");
  try {
    const conn = await lxc(t);
    otherNodes.push(join(dir, "run", "lxc"));
    return { conn, run: join(dir, "run", "lxc") };
  } finally {
    process.env.VIRTKIT_CONFIG_DIR = saved.config;
    process.env.VIRTKIT_RUN_DIR = saved.run;
  }
}

asRoot.serial("two nodes run containers of one name at once in their own groups: one's destroy and orphan clean-up leave the other running", async (t) => {
  const conn = await lxc(t);
  const other = await otherNode(t, join(base, "node2"));
  const mine = await conn.defineXML(xml("twin", SHELL));
  const theirs = await other.conn.defineXML(xml("twin", SHELL));
  await mine.create();
  await theirs.create();
  const theirInit = initPid("twin", other.run);
  for (const controller of CONTROLLERS) {
    t.true(existsSync(cgroupDir("twin", controller)), `this node's group (${controller})`);
    t.true(existsSync(cgroupDir("twin", controller, other.run)), `the other node's group (${controller})`);
  }
  t.notDeepEqual(readFileSync(`/proc/${initPid("twin")}/cgroup`, "utf8"), readFileSync(`/proc/${theirInit}/cgroup`, "utf8"));
  t.true(readFileSync(`/proc/${theirInit}/cgroup`, "utf8").includes(`/${nodeGroup(other.run)}/lxc-twin`));

  await mine.destroy();
  t.true(processAlive(theirInit), "destroy on this node leaves the other node's container");
  // this node's supervisor dies unrecorded: destroy then kills whatever its groups still hold
  await mine.create();
  const init = initPid("twin");
  await killAndAwaitEnd(await mine.getID());
  const again = await (await lxc(t)).lookupByName("twin"); // a new process's view: crashed
  t.deepEqual(await again.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_CRASHED });
  await again.undefine(); // the next change ends whatever its groups still hold
  t.false(processAlive(init), "this node's container is gone");
  await nothingLeft(t, "twin", []); // (init's zombie is the host's init's to reap)
  t.true(processAlive(theirInit), "the orphan clean-up leaves the other node's container");
  t.deepEqual(await theirs.getState(), { state: DomainState.VIR_DOMAIN_RUNNING, reason: 1 });
  const second = await other.conn.createXML(xml("second", SHELL));
  await theirs.destroy();
  const otherLevel = join(cgroupDir("twin", CONTROLLERS[0], other.run), "..");
  t.false(existsSync(cgroupDir("twin", CONTROLLERS[0], other.run)), "the other node's group goes with its container");
  t.true(existsSync(otherLevel), "the node's level stays while another of its containers runs");
  await second.destroy();
  for (const controller of CONTROLLERS) t.false(existsSync(join(cgroupDir("twin", controller, other.run), "..")), `the node's level goes with its last container (${controller})`);
  await theirs.undefine();
});

/** What a cgroup file holds ("" when it cannot be read). */
const cgroupRead = (file: string) => readText(file).trim();

/**
 * Runs `program` (Python: processes that fork, going on after refusals) as init of container
 * `name`, with memory enough for the copies and `extra` XML: the task group fills to `limit` and
 * never passes it, forks over it are refused, and destroy ends every process.
 */
async function holdsForkBomb(t: import("ava").ExecutionContext, name: string, program: string, limit: number, extra = ""): Promise<void> {
  const conn = await lxc(t);
  const bomb = xml(name, "/usr/bin/python3", extra)
    .replace("<memory unit='MiB'>64</memory>", "<memory unit='MiB'>1024</memory>")
    .replace("</init>", `</init><initarg>-c</initarg><initarg>${program}</initarg>`);
  const dom = await conn.defineXML(bomb);
  await dom.create();
  const pids = cgroupDir(name, "pids");
  const current = () => Number(cgroupRead(join(pids, "pids.current")));
  t.is(cgroupRead(join(pids, "pids.max")), String(limit));
  const refusals = () => Number(/^max (\d+)/m.exec(readText(join(pids, "pids.events")))?.[1] ?? 0);
  // the group fills with its last fork; the first refused fork comes after it, when a process
  // next gets the CPU (slow under emulation), so both are waited for
  let most = 0;
  for (const until = Date.now() + 180_000; most < limit || refusals() === 0; await new Promise((resolve) => setTimeout(resolve, 10))) {
    if (Date.now() > until) return t.fail(`the group did not fill within 180 s (pids.current ${current()}, refused forks ${refusals()})`);
    most = Math.max(most, current());
  }
  for (let i = 0; i < 100; i++) most = Math.max(most, current());
  t.is(most, limit, "pids.current reaches the limit and never passes it");
  t.true(refusals() > 0, "forks over the limit are refused");
  t.is(spawnSync("true").status, 0, "the host still starts processes");
  const members = cgroupRead(join(pids, "cgroup.procs")).split("\n").filter(Boolean).map(Number);
  const started = Date.now();
  await dom.destroy();
  t.log(`destroy of a container holding ${members.length} processes took ${Date.now() - started} ms`);
  await nothingLeft(t, name, []);
  for (const pid of members) t.false(processAlive(pid), `process ${pid} is gone`);
  await dom.undefine();
}

asRoot.serial("a fork bomb stays within the container's task limit, and destroy ends it all", async (t) => {
  const limit = 32;
  // every process forks for ever (all of them with a fifth of a CPU)
  const program = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass";
  const metadata = `<metadata><virtkit:container xmlns:virtkit='urn:virtkit:lxc:1.0'><virtkit:pids>${limit}</virtkit:pids></virtkit:container></metadata>`;
  await holdsForkBomb(t, "bomb", program, limit, `${metadata}<cputune><period>100000</period><quota>20000</quota></cputune>`);
});

asRootNatively.serial("without a limit in the definition, the default one holds: 2,048 tasks", async (t) => {
  // init forks children that wait (each a copy of a paused interpreter, light enough for
  // 2,048), and after a refused fork tries again 10 ms later
  const program = "import os, time\nwhile True:\n    try:\n        if os.fork() == 0:\n            while True:\n                time.sleep(100000)\n    except OSError:\n        time.sleep(0.01)";
  await holdsForkBomb(t, "swarm", program, 2048);
});

asRoot.serial("inside a container only its own device nodes open: not one bound in from the host", async (t) => {
  const conn = await lxc(t);
  // device nodes made on the host and bound in, so no mknod inside is needed to reach them
  const nodes = join(base, "nodes");
  execFileSync("mkdir", ["-p", nodes]);
  execFileSync("mknod", [join(nodes, "null"), "c", "1", "3"]); // /dev/null's numbers, another name
  execFileSync("mknod", [join(nodes, "kmsg"), "c", "1", "11"]); // the host's kernel log
  execFileSync("mknod", [join(nodes, "mem"), "c", "1", "1"]); // physical memory
  const dom = await conn.createXML(xml("devices", SHELL, "", `<filesystem type='mount'><source dir='${nodes}'/><target dir='/mnt'/></filesystem><console type='pty'/>`));
  const console = await dom.openConsole();
  t.teardown(() => console.destroy());
  let seen = "";
  const done = new Promise<void>((resolve) =>
    console.on("data", (b: Buffer) => {
      seen += b.toString();
      if (/open:end\r?$/m.test(seen)) resolve();
    }),
  );
  const files = ["/dev/null", "/dev/zero", "/dev/urandom", "/dev/console", "/dev/ptmx", "/mnt/null", "/mnt/kmsg", "/mnt/mem"];
  // each file opened for reading and writing; the output names it (the echoed command does not,
  // and a line may start with the shell's prompt when it prints that after the echo)
  console.write(`for f in ${files.join(" ")}; do if (: <> $f) 2>/dev/null; then echo "open:$f:ok"; else echo "open:$f:denied"; fi; done; echo open:"e"nd\n`);
  await eventFrom(done, 60_000);
  const results = Object.fromEntries([...seen.matchAll(/open:(\/\S+):(ok|denied)\r?$/gm)].map((m) => [m[1], m[2]]));
  t.deepEqual(results, {
    "/dev/null": "ok",
    "/dev/zero": "ok",
    "/dev/urandom": "ok",
    "/dev/console": "ok",
    "/dev/ptmx": "ok",
    "/mnt/null": "ok",
    "/mnt/kmsg": "denied",
    "/mnt/mem": "denied",
  });
  t.is(spawnSync("sh", ["-c", `: <> ${join(nodes, "kmsg")}`]).status, 0, "the host itself opens the same node");
  const pid = initPid("devices");
  await dom.destroy();
  await nothingLeft(t, "devices", [pid]);
});
