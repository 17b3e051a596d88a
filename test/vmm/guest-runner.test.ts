// GuestRunner (src/vmm/guest-runner.ts) on the fake KVM: vCPU 0's run loop in slices between turns
// of the event loop, and what follows each way a guest stops (the plan's on_poweroff, on_reboot and
// on_crash, and what libvirt asked for meanwhile), as a kvm:/// domain's VMM process sees it.
// A script's kick(between) is where a command lands: after one slice, before the next.
import test from "ava";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { GuestRunner, type ShutoffReason } from "../../src/vmm/guest-runner.js";
import type { VmmPlan } from "../../src/vmm/plan.js";
import { FakeKvm } from "../support/fake-kvm.js";
import { acpiPowerOff, i8042Reset, inb, inp, kick, out, serial, tripleFault } from "../support/kvm-exits.js";
import { tempDir } from "../support/temp.js";
import { kernelFile } from "../support/tiny-kernel.js";

const COM1 = 0x3f8;
const SCI_IRQ = 9;
const SLICE_MS = 10;

interface Run {
  fake: FakeKvm;
  runner: GuestRunner;
  console: () => string;
  log: string[];
  /** The detail of the first crash kept by on_crash preserve. */
  crashed: Promise<string>;
  /** How the domain ended: its shutoff reason and the detail. */
  ended: Promise<[ShutoffReason, string]>;
}

/** Starts a runner for `plan` on a fake KVM that plays `boots` (one script per start of the guest). */
function start(plan: Partial<VmmPlan>, ...boots: Parameters<FakeKvm["boot"]>[]): Run {
  const fake = new FakeKvm();
  for (const exits of boots) fake.boot(...exits);
  const log: string[] = [];
  let text = "";
  let end!: (value: [ShutoffReason, string]) => void;
  const ended = new Promise<[ShutoffReason, string]>((resolve) => (end = resolve));
  let crash!: (detail: string) => void;
  const crashed = new Promise<string>((resolve) => (crash = resolve));
  const fullPlan: VmmPlan = { instance: "", control: "", status: "", memoryBytes: 4 << 20, vcpus: 1, kernel: kernelFile(), cmdline: "console=ttyS0", serial: { kind: "pty" }, onPoweroff: "end", onReboot: "restart", onCrash: "end", pciBridges: [], pciDevices: [], disks: [], nics: [], ...plan };
  const runner = new GuestRunner(fullPlan, fake, new Core(coreModule(), new MockCoreImports(0)), undefined, {
    output: (bytes) => void (text += Buffer.from(bytes).toString("latin1")),
    log: (line) => void log.push(line),
    ended: (reason, detail) => end([reason, detail]),
    crashed: (detail) => crash(detail),
  });
  runner.start();
  return { fake, runner, console: () => text, log, crashed, ended };
}

/** Resolves once the callbacks queued so far have run (the runner's next slice among them). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test("the guest runs in slices kicked every 10 ms; its output reaches the console and its power-off ends it as shut down", async (t) => {
  const { fake, runner, console, ended } = start({}, [serial("booting"), kick(), serial(" done\n"), kick(), acpiPowerOff]);
  t.deepEqual(await ended, ["shutdown", "poweroff"]);
  t.is(console(), "booting done\n");
  t.deepEqual(fake.callsOf("kickEvery"), [[runner.threadId, SLICE_MS]]);
  t.is(fake.callsOf("vcpuThread").length, 1);
  t.deepEqual(fake.runningTimers(), [], "the kicks stopped");
  t.deepEqual(fake.openDescriptors(), [], "the machine closed");
});

test("an i8042 reset restarts the guest on a new machine (on_reboot restart)", async (t) => {
  const { fake, console, ended } = start({ onReboot: "restart" }, [serial("first\n"), i8042Reset], [serial("second\n"), acpiPowerOff]);
  t.deepEqual(await ended, ["shutdown", "poweroff"]);
  t.is(console(), "first\nsecond\n");
  const [vm1, vm2] = fake.madeOf("vm");
  t.is(fake.madeOf("vm").length, 2);
  const closes = fake.calls.filter((c) => c.name === "close" || c.name === "createVm").map((c) => c.name);
  t.deepEqual(closes, ["createVm", "close", "close", "close", "createVm", "close", "close", "close"], "the first machine closed before the second was built");
  t.true(fake.callsOf("close").some(([fd]) => fd === vm1) && fake.callsOf("close").some(([fd]) => fd === vm2));
});

test("an i8042 reset ends the domain as shut down where on_reboot is destroy", async (t) => {
  const { fake, ended } = start({ onReboot: "end" }, [i8042Reset]);
  t.deepEqual(await ended, ["shutdown", "reset"]);
  t.is(fake.madeOf("vm").length, 1);
});

test("on_poweroff restart boots the guest again after its power-off", async (t) => {
  const { fake, ended } = start({ onPoweroff: "restart", onReboot: "end" }, [acpiPowerOff], [i8042Reset]);
  t.deepEqual(await ended, ["shutdown", "reset"]);
  t.is(fake.madeOf("vm").length, 2);
});

test("a triple fault ends the domain as crashed (on_crash destroy), and the log says why", async (t) => {
  const { log, ended } = start({ onCrash: "end" }, [serial("panic"), tripleFault]);
  t.deepEqual(await ended, ["crashed", "triple fault"]);
  t.deepEqual(log, ["guest crashed: triple fault"]);
});

test("on_crash restart boots the crashed guest again", async (t) => {
  const { fake, ended } = start({ onCrash: "restart" }, [tripleFault], [acpiPowerOff]);
  t.deepEqual(await ended, ["shutdown", "poweroff"]);
  t.is(fake.madeOf("vm").length, 2);
});

test("on_crash preserve keeps the crashed guest stopped, its memory mapped, until destroyed", async (t) => {
  const { fake, runner, crashed, ended } = start({ onCrash: "preserve" }, [tripleFault]);
  t.is(await crashed, "triple fault");
  t.true(runner.isCrashed);
  t.deepEqual(fake.runningTimers(), [], "no more kicks: the vCPU stays out of KVM_RUN");
  t.is(fake.openDescriptors().length, 3, "the machine stays");
  const runs = fake.callsOf("run").length;
  runner.input(Buffer.from("x"));
  runner.powerButton();
  runner.reset();
  runner.resume();
  await nextTurn();
  t.is(fake.callsOf("run").length, runs, "commands other than destroy do nothing");
  t.is(fake.madeOf("vm").length, 1);
  runner.destroy();
  t.deepEqual(await ended, ["destroyed", "stopped"]);
  t.deepEqual(fake.openDescriptors(), []);
});

test("with on_crash coredump, the crashed guest's memory goes to a dump file before the domain ends", async (t) => {
  const dir = tempDir("virtkit-runner-dump");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const prefix = join(dir, "g1");
  const { log, ended } = start({ onCrash: "end", coredump: prefix, memoryBytes: 4 << 20 }, [tripleFault]);
  t.deepEqual(await ended, ["crashed", "triple fault"]);
  const [file] = readdirSync(dir);
  t.regex(file, /^g1-\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000$/);
  t.deepEqual(log, ["guest crashed: triple fault", `guest memory dumped to ${join(dir, file)}`]);
  t.deepEqual([...readFileSync(join(dir, file)).subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
});

test("reboot presses the power button and boots the guest again when it powers off, whatever on_poweroff says", async (t) => {
  let runner!: GuestRunner;
  const run = start({ onPoweroff: "end" }, [out(0x602, 2, 0x100), kick(() => runner.reboot()), inp(0x600, 2), acpiPowerOff], [serial("again"), acpiPowerOff]);
  runner = run.runner;
  t.deepEqual(await run.ended, ["shutdown", "poweroff"]);
  t.deepEqual(run.fake.callsOf("irqLine")[0], [run.fake.madeOf("vm")[0], SCI_IRQ, 1]);
  t.deepEqual(run.fake.answers.map((a) => a.values), [[0x100]]);
  t.is(run.console(), "again");
});

test("shutdown presses the power button; the guest decides, and its power-off ends the domain", async (t) => {
  let runner!: GuestRunner;
  const run = start({}, [out(0x602, 2, 0x100), kick(() => runner.powerButton()), inp(0x600, 2), acpiPowerOff]);
  runner = run.runner;
  t.deepEqual(await run.ended, ["shutdown", "poweroff"]);
  t.deepEqual(run.fake.answers.map((a) => a.values), [[0x100]]);
  t.is(run.fake.madeOf("vm").length, 1);
});

test("reset starts the guest again at once, whatever on_reboot says", async (t) => {
  let runner!: GuestRunner;
  const run = start({ onReboot: "end" }, [kick(() => runner.reset()), serial("never")], [serial("fresh"), acpiPowerOff]);
  runner = run.runner;
  t.deepEqual(await run.ended, ["shutdown", "poweroff"]);
  t.is(run.console(), "fresh");
});

test("console input reaches the guest's COM1", async (t) => {
  let runner!: GuestRunner;
  const run = start({}, [kick(() => runner.input(Buffer.from("hi"))), inb(COM1 + 5), inb(COM1, 2), acpiPowerOff]);
  runner = run.runner;
  await run.ended;
  t.deepEqual(run.fake.answers.map((a) => a.values), [[0x61], [0x68, 0x69]]);
});

test("a paused guest's vCPU stays out of KVM_RUN until resumed", async (t) => {
  let runner!: GuestRunner;
  let paused!: (runs: number) => void;
  const runsWhenPaused = new Promise<number>((resolve) => (paused = resolve));
  const run = start({}, [
    kick(() => {
      runner.pause();
      paused(run.fake.callsOf("run").length);
    }),
    acpiPowerOff,
  ]);
  runner = run.runner;
  const runs = await runsWhenPaused;
  await nextTurn(); // the slice the runner had already scheduled
  await nextTurn();
  t.true(runner.isPaused);
  t.is(run.fake.callsOf("run").length, runs);
  runner.resume();
  t.deepEqual(await run.ended, ["shutdown", "poweroff"]);
});

test("destroy ends a running guest at once", async (t) => {
  let runner!: GuestRunner;
  const run = start({}, [kick(() => runner.destroy()), serial("never")]);
  runner = run.runner;
  t.deepEqual(await run.ended, ["destroyed", "stopped"]);
  t.is(run.console(), "");
  t.deepEqual(run.fake.openDescriptors(), []);
});

test("a restart that cannot build the machine ends the domain as crashed, with the reason in the log", async (t) => {
  const kernel = kernelFile();
  const run = start({ onReboot: "restart", kernel }, [kick(() => rmSync(kernel)), i8042Reset]);
  t.deepEqual(await run.ended, ["crashed", "restart failed"]);
  t.false(existsSync(kernel));
  t.is(run.log.length, 1);
  t.regex(run.log[0], /^guest restart failed: ENOENT/);
});
