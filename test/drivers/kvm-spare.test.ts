// The kvm driver's spare VMM process, without KVM: it gets ready at the lowest priority, takes one
// claim (the start then fails, after the whole hand-over, on a serial file it cannot open: the
// first step of a start, before /dev/kvm, so it fails alike with and without KVM), and leaves
// when it is replaced or its run directory goes. test/kvm/ boots guests in spares on real KVM.
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { claimSpare, programIdentity, readySpare, spareFiles, sparePid, startSpare } from "../../src/drivers/kvm/spare-vmm.js";
import { processAlive } from "../support/hosted.js";
import { tempDir } from "../support/temp.js";

const program = { execArgv: [], script: fileURLToPath(new URL("../../dist/kvm-vmm.cjs", import.meta.url)) };

/** Resolves once the condition holds; fails the test after 20 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function startReadySpare(run: string): Promise<number> {
  startSpare(run, program, processAlive);
  const pid = sparePid(run, program.script, processAlive);
  if (pid === undefined) throw new Error("no spare started");
  return until(() => readySpare(run, program.script)?.pid === pid, "the spare's socket").then(() => pid);
}

test.serial("a spare gets ready at the lowest priority and takes one start", async (t) => {
  const run = tempDir("virtkit-spare-test", "/tmp");
  t.teardown(() => rmSync(run, { recursive: true, force: true }));
  const pid = await startReadySpare(run);
  t.is(readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")[16], "19", "nice 19 while it waits");
  startSpare(run, program, processAlive);
  t.is(sparePid(run, program.script, processAlive), pid, "one spare per node");

  const plan = join(run, "g.plan");
  const serial = join(run, "no-such-dir", "g.serial");
  writeFileSync(plan, `control\t${join(run, "g.sock")}\nstatus\t${join(run, "g.status")}\nmemory\t16777216\nvcpus\t1\nkernel\t/no/such/kernel\nserial\tfile\t${serial}\n`);
  t.is(await claimSpare(run, "/another/vmm.cjs", plan, join(run, "g.log")), undefined, "a start of another program does not claim it");
  const report = await claimSpare(run, program.script, plan, join(run, "g.log"));
  t.deepEqual(report, { ok: false, step: `open ${serial}`, errno: 2 });
  t.false(existsSync(spareFiles(run).socket(pid)), "a claimed spare is no longer waiting");
  t.false(existsSync(spareFiles(run).pid));
  await until(() => !processAlive(pid), "the failed start's process to end");
  t.is(await claimSpare(run, program.script, plan, join(run, "g.log")), undefined, "no spare: the caller starts a process");
});

test.serial("a claim carries paths with tabs, newlines and backslashes whole", async (t) => {
  const run = tempDir("virtkit-spare-test", "/tmp");
  t.teardown(() => rmSync(run, { recursive: true, force: true }));
  const pid = await startReadySpare(run);
  const odd = join(run, "g\t1\n\\n"); // a domain's name may hold all three
  mkdirSync(odd);
  const plan = join(odd, "g.plan");
  const serial = join(run, "no-such-dir", "g.serial");
  writeFileSync(plan, `control\t${join(run, "g.sock")}\nstatus\t${join(run, "g.status")}\nmemory\t16777216\nvcpus\t1\nkernel\t/no/such/kernel\nserial\tfile\t${serial}\n`);
  const report = await claimSpare(run, program.script, plan, join(odd, "g.log"));
  t.deepEqual(report, { ok: false, step: `open ${serial}`, errno: 2 }, "it read the plan where the claim said");
  t.true(existsSync(join(odd, "g.log")), "it opened the domain's log where the claim said");
  await until(() => !processAlive(pid), "the failed start's process to end");
});

test.serial("a replaced spare, or one whose run directory goes, leaves", async (t) => {
  const run = tempDir("virtkit-spare-test", "/tmp");
  t.teardown(() => rmSync(run, { recursive: true, force: true }));
  const first = await startReadySpare(run);
  writeFileSync(spareFiles(run).pid, `1 0 ${program.script}\n`);
  await until(() => !processAlive(first), "the replaced spare to leave");
  t.true(existsSync(spareFiles(run).pid), "it leaves its successor's pid file");

  rmSync(spareFiles(run).dir, { recursive: true });
  const second = await startReadySpare(run);
  rmSync(run, { recursive: true });
  await until(() => !processAlive(second), "the spare of a removed run directory to leave");
  t.pass();
});

test.serial("VIRTKIT_KVM_SPARE=0 turns spares off", async (t) => {
  const run = tempDir("virtkit-spare-test", "/tmp");
  t.teardown(() => rmSync(run, { recursive: true, force: true }));
  process.env.VIRTKIT_KVM_SPARE = "0";
  t.teardown(() => delete process.env.VIRTKIT_KVM_SPARE);
  startSpare(run, program, processAlive);
  t.false(existsSync(spareFiles(run).dir));
  t.is(await claimSpare(run, program.script, join(run, "g.plan"), join(run, "g.log")), undefined);
});

test.serial("a claimed spare that never reports is killed, and the start fails by name", async (t) => {
  const run = tempDir("virtkit-spare-test", "/tmp");
  t.teardown(() => rmSync(run, { recursive: true, force: true }));
  // a wedged spare: a process the pid file names, and a socket that takes the claim and says nothing
  const wedged = spawn("sleep", ["600"], { stdio: "ignore" });
  t.teardown(() => wedged.kill("SIGKILL"));
  const files = spareFiles(run);
  mkdirSync(files.dir);
  writeFileSync(files.pid, `${wedged.pid} ${programIdentity(program.script)}\n`);
  const claims: Socket[] = [];
  const server = createServer((claim) => void claims.push(claim.resume())); // reads it, to see its end
  await new Promise<void>((resolve) => server.listen(files.socket(wedged.pid!), resolve));
  t.teardown(() => server.close());
  const exited = new Promise((resolve) => wedged.once("exit", (_code, signal) => resolve(signal)));

  const report = await claimSpare(run, program.script, join(run, "g.plan"), join(run, "g.log"), 200);
  t.deepEqual(report, { ok: false, step: "no start report within 0.2 s", errno: 0 });
  t.is(await exited, "SIGKILL", "the spare that held the start is killed");
  t.is(claims.length, 1);
  t.true(claims[0].destroyed || (await new Promise((resolve) => claims[0].once("close", () => resolve(true)))), "its connection is closed");
});
