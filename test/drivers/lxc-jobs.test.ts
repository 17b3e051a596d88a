// lxc:/// node state across processes: starts and destroys whose process is killed at the
// points that matter (a test-only hook, VIRTKIT_TEST_STOP, makes it stop itself there; then it
// is SIGKILLed), as a fresh process then sees them; per-domain jobs (a stuck start holds only
// its own domain); and the runtime files a domain leaves. Needs root, as every lxc:/// test.
import test from "ava";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DomainState, ErrorNumber, VirtError } from "../../src/index.js";
import { cgroupFacts } from "../../src/drivers/lxc/host.js";
import { needsRoot, testIf } from "../support/gated.js";
import { lxcTestNode, openForTest, processesLeft, processesRunning } from "../support/hosted.js";

const asRoot = testIf(needsRoot("namespaces, cgroups"));
const { base, runDir } = lxcTestNode("virtkit-lxc-jobs");
test.after.always(() => rmSync(base, { recursive: true, force: true }));

const cli = fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url));
const v2 = !/^v1 /m.test(cgroupFacts());
const v2Root = /^v2 (\S+)/m.exec(cgroupFacts())?.[1] ?? "/sys/fs/cgroup";
const cgroupLeft = (name: string) => existsSync(v2 ? `${v2Root}/virtkit/lxc-${name}` : `/sys/fs/cgroup/memory/virtkit/lxc-${name}`);

function xml(name: string): string {
  return `<domain type='lxc'><name>${name}</name><memory unit='MiB'>64</memory><os><type>exe</type><init>/bin/sh</init></os><devices><console type='pty'/></devices></domain>`;
}

/** virtkit in a fresh process: what it prints. */
function virtkit(command: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [cli, "-c", "lxc:///system", command], { encoding: "utf8", env: { ...process.env, ...env } });
  return r.stdout + r.stderr;
}

/** Starts `virtkit COMMAND` stopping itself at `point`; resolves with the process once it is stopped there. */
async function stoppedAt(command: string, point: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, "-c", "lxc:///system", command], { env: { ...process.env, VIRTKIT_TEST_STOP: point }, stdio: "ignore" });
  const exited = new Promise<never>((_, reject) => child.on("exit", (code) => reject(new Error(`'${command}' ended (${code}) before ${point}`))));
  const stopped = (async () => {
    // its state in /proc turns T when it stops itself (bounded by the test's timeout)
    while (!/^\d+ \(.*\) T /.test(readFileSync(`/proc/${child.pid}/stat`, "utf8"))) await new Promise((resolve) => setImmediate(resolve));
  })();
  await Promise.race([stopped, exited]);
  exited.catch(() => undefined);
  return child;
}

/**
 * SIGKILLs the process and waits until it is reaped: only then have all its threads ended, and
 * with them its descriptors and locks (its main thread is a zombie before that).
 */
async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const reaped = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await reaped;
}

/** The domain's runtime files (its log aside). */
const runFiles = (name: string) => readdirSync(runDir).filter((f) => f.startsWith(`${name}.`) && !f.endsWith(".log"));

/** The supervisors running a plan of this domain. */
const supervisors = (name: string) => processesRunning(join(runDir, `${name}.plan`));

asRoot.serial("a start killed at each point: a fresh process sees it running and destroys it, or sees nothing left; never a second supervisor", async (t) => {
  const conn = await openForTest(t, "lxc:///system");
  await conn.defineXML(xml("st-k9"));
  for (const round of [1, 2]) {
    // killed after its intent, before any supervisor: undone
    await kill9(await stoppedAt("start st-k9", "start-intent"));
    t.is(virtkit("domstate st-k9"), "shut off\n\n", `round ${round}: not started`);
    t.deepEqual(runFiles("st-k9"), [], "nothing of the start is left");
    t.false(cgroupLeft("st-k9"), "no cgroup left");
    t.deepEqual(await processesLeft(join(runDir, "st-k9.plan")), []);

    // killed after the supervisor reported, before the live XML was saved: adopted
    await kill9(await stoppedAt("start st-k9", "start-reported"));
    t.is(supervisors("st-k9").length, 1);
    t.is(virtkit("domstate st-k9"), "running\n\n", `round ${round}: adopted`);
    t.regex(readFileSync(join(runDir, "st-k9.xml"), "utf8"), /<domain type='lxc' id='\d+'>/, "its live XML is written");
    t.false(existsSync(join(runDir, "st-k9.start")), "the intent is done");
    t.regex(virtkit("start st-k9"), /Domain is already active/);
    t.is(supervisors("st-k9").length, 1, "never a second supervisor");
    t.deepEqual((await (await conn.lookupByName("st-k9")).getState()).state, DomainState.VIR_DOMAIN_RUNNING, "an open connection sees it too");

    // a destroy killed once the supervisor answered: ended, and the next look cleans up
    await kill9(await stoppedAt("destroy st-k9", "destroy-answered"));
    t.is(virtkit("domstate st-k9 --reason"), "shut off (destroyed)\n\n");
    t.deepEqual(await processesLeft(join(runDir, "st-k9.plan")), [], "no supervisor left");
    t.false(cgroupLeft("st-k9"), "no cgroup left");
    t.deepEqual(
      runFiles("st-k9").filter((f) => !f.endsWith(".status")),
      [],
      "only its status is left (it says how it ended)",
    );
    t.is(runFiles("st-k9").length, 1);
  }
  await (await conn.lookupByName("st-k9")).undefine();
  t.deepEqual(runFiles("st-k9"), [], "undefine removes its runtime files");
});

asRoot.serial("a stuck start holds only its own domain: another domain's define is not held up, a second operation on it times out naming the holder", async (t) => {
  const conn = await openForTest(t, "lxc:///system");
  await conn.defineXML(xml("st-stuck"));
  const starter = await stoppedAt("start st-stuck", "start-reported");
  t.teardown(() => kill9(starter).catch(() => undefined));
  const began = Date.now();
  const other = await conn.defineXML(xml("st-free"));
  t.true(Date.now() - began < 2000, "the define of another domain completes at once");
  await other.undefine();

  process.env.VIRTKIT_JOB_WAIT_MS = "300";
  t.teardown(() => delete process.env.VIRTKIT_JOB_WAIT_MS);
  const e = await t.throwsAsync((await conn.lookupByName("st-stuck")).destroy(), { instanceOf: VirtError });
  t.is(e?.code, ErrorNumber.VIR_ERR_OPERATION_TIMEOUT);
  t.is(e?.message, `Timed out during operation: cannot acquire state change lock (held by domainCreate in process ${starter.pid})`);
  const redefine = await t.throwsAsync(conn.defineXML(xml("st-stuck")), { instanceOf: VirtError });
  t.is(redefine?.code, ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, "a define of the stuck domain waits on it too");
  delete process.env.VIRTKIT_JOB_WAIT_MS;

  await kill9(starter);
  const dom = await conn.lookupByName("st-stuck");
  const files = () => runFiles("st-stuck").map((f) => `${f}: ${f.endsWith(".status") || f.endsWith(".start") ? readFileSync(join(runDir, f), "utf8").split("\n").slice(0, 6).join(" | ") : ""}`);
  t.is((await dom.getState()).state, DomainState.VIR_DOMAIN_RUNNING, `its holder gone, the start is adopted (${files().join("; ")})`);
  await dom.destroy();
  await dom.undefine();
});

asRoot.serial("a create under way holds its UUID: another name defined or created with it meanwhile is refused", async (t) => {
  const conn = await openForTest(t, "lxc:///system");
  const uuid = "5c0ffee0-1234-4abc-8def-0123456789ab";
  const withUuid = (name: string) => xml(name).replace("</name>", `</name><uuid>${uuid}</uuid>`);
  const file = join(base, "st-racer.xml");
  writeFileSync(file, withUuid("st-racer"));
  const creator = await stoppedAt(`create ${file}`, "start-intent");
  t.teardown(() => kill9(creator).catch(() => undefined));
  const taken = `operation failed: domain 'st-racer' is already defined with uuid ${uuid}`;
  t.like(await t.throwsAsync(conn.defineXML(withUuid("st-other")), { instanceOf: VirtError }), { code: ErrorNumber.VIR_ERR_OPERATION_FAILED, message: taken });
  t.like(await t.throwsAsync(conn.createXML(withUuid("st-third")), { instanceOf: VirtError }), { code: ErrorNumber.VIR_ERR_OPERATION_FAILED, message: taken });
  const unrelated = await conn.defineXML(xml("st-unrelated"));
  t.is(unrelated.name, "st-unrelated", "a definition with a UUID of its own goes on");
  await unrelated.undefine();
  // the creator dies before its container ran: the next look undoes its start, and the UUID is free
  await kill9(creator);
  const other = await conn.defineXML(withUuid("st-other"));
  t.is(other.uuid, uuid);
  t.deepEqual(runFiles("st-racer"), [], "nothing is left of the undone create");
  await other.undefine();
});

asRoot.serial("status files of domains no longer defined are removed", async (t) => {
  const conn = await openForTest(t, "lxc:///system");
  const dom = await conn.createXML(xml("st-passing"));
  await dom.destroy();
  // (from before: status files nobody removed)
  writeFileSync(join(runDir, "st-gone.status"), "supervisor 1\nstate shutoff\nreason destroyed\n");
  writeFileSync(join(runDir, "st-gone.0123456789ab.status"), "supervisor 1\nstate shutoff\nreason destroyed\n");
  t.notRegex(virtkit("list --all"), /st-passing|st-gone/);
  t.deepEqual(runFiles("st-passing"), [], "the ended transient domain's status");
  t.deepEqual(runFiles("st-gone"), [], "an undefined domain's");
  t.false(existsSync(join(runDir, ".jobs", "st-gone")), "and no job lock of its name is left");
});
