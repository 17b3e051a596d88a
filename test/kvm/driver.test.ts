// kvm:/// for real: a Linux guest booted by core.wasm's VMM on /dev/kvm, through the public API,
// with its VMM process outliving whoever started it. npm run test:kvm runs this on real KVM.
import { existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { ReadStream as TtyReadStream } from "node:tty";
import { join } from "node:path";
import { DomainCrashedReason, DomainShutoffReason, DomainState, ErrorNumber, VirtError, type Connection } from "../../src/index.js";
import { eventFrom, instanceFile, processAlive } from "../support/hosted.js";
import { NOT_RUNNING_REPLY, supervisorCommand } from "../../src/drivers/hosted/control-client.js";
import { processStartTicks } from "../../src/drivers/hosted/proc.js";
import { readCoreFile } from "../support/elf-core.js";
import { textAppears } from "../support/streams.js";
import { canBoot, transcript, TRIPLE_FAULT_MARK, TRIPLE_FAULT_MARK_AT, tripleFaultImage } from "./guest.js";
import { base, guestXml, kvm, linuxGuestTest, noVmmLeft, readHwrng, RNG, run, runDir, smallGuestTest, spareReady, stillRunning } from "./driver-support.js";

linuxGuestTest.serial("a Linux guest's life through the public API: console, suspend, resume, guest reboot, shutdown", async (t) => {
  const conn = await kvm(t);
  const serialLog = join(base, "life-serial.log");
  const dom = await conn.defineXML(guestXml("life", `<serial type='file'><source path='${serialLog}'/></serial><console type='file'><source path='${serialLog}'/></console>${RNG}`));
  const events: [string, number, number][] = [];
  const stopped = new Promise<void>((resolve) =>
    conn.on("lifecycle", (d, event, detail) => {
      events.push([d.name, event, detail]);
      if (event === 5) resolve();
    }),
  );
  const started = Date.now();
  await dom.create();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_RUNNING, reason: 1 });
  const console = await dom.openConsole();
  const guest = transcript(console);
  await guest.waitFor(/LISTENING/);
  t.log(`create() to the guest's init listening: ${Date.now() - started} ms`);
  console.write("echo HELLO $((6*7))\n");
  await guest.waitFor(/HELLO 42/);
  // Linux found PCI through mechanism #1: the host bridge its sanity check needs, at 00:00.0
  console.write("echo PCI $(cat /sys/bus/pci/devices/0000:00:00.0/vendor /sys/bus/pci/devices/0000:00:00.0/class)\n");
  await guest.waitFor(/PCI 0x1b36 0x060000/);
  // and through ACPI: the DSDT's host bridge, and the MCFG's ECAM in use (Linux reserves it in /proc/iomem)
  console.write("echo ACPI $(ls /sys/bus/acpi/devices | grep -c PNP0A03) $(grep -c MMCONFIG /proc/iomem)\n");
  await guest.waitFor(/ACPI 1 1/);
  // virtio-rng on PCI: Linux's virtio_pci binds it (MSI-X), and /dev/hwrng reads from it
  console.write(readHwrng("HWRNG"));
  await guest.waitFor(/HWRNG virtio_rng\.0 4\+0 records in/);
  t.true((await dom.getInfo()).cpuTime > 0, "the vCPU thread's CPU time is reported");

  await dom.suspend();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_PAUSED, reason: 1 }); // paused by the user
  await dom.suspend(); // already paused: nothing changes
  await dom.resume();
  await t.throwsAsync(dom.resume(), { message: "Requested operation is not valid: domain is already running" });
  console.write("echo RESUMED\n");
  await guest.waitFor(/RESUMED/);

  // the guest reboots itself: on_reboot restart boots it again, the domain stays running
  console.write("reboot -f\n");
  await guest.waitFor(/LISTENING/, 2);
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_RUNNING, reason: 5 }, "running since it was resumed");

  // shutdown presses the power button; the guest powers itself off
  await dom.shutdown();
  await eventFrom(stopped).catch(async (e: Error) => {
    const status = instanceFile(runDir, "life", "status") ? readFileSync(instanceFile(runDir, "life", "status"), "utf8") : "(none)";
    throw new Error(`${e.message}: the domain is ${JSON.stringify(await dom.getState())}, its status file says ${JSON.stringify(status)}, the console's end: ${JSON.stringify(guest.text().slice(-300))}`);
  });
  await guest.waitFor(/POWER_BUTTON/);
  console.destroy();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_SHUTDOWN });
  t.deepEqual(events, [
    ["life", 2, 0], // started, booted
    ["life", 3, 0], // suspended
    ["life", 4, 0], // resumed
    ["life", 5, 0], // stopped, shutdown
  ]);
  t.regex(readFileSync(serialLog, "utf8"), /HELLO 42/, "<serial type='file'> got the guest's output");
  await noVmmLeft(t, "life");
  await dom.undefine();
});

linuxGuestTest.serial("a start leaves a spare VMM process ready, and the next start runs the guest in it, its console on a host pty", async (t) => {
  const conn = await kvm(t);
  // these two guests need no PCI: they skip probing it, which keeps their boot (two at once on the
  // nested guest's one CPU) as light as it was before the VMM had PCI
  const first = await conn.createXML(guestXml("first", undefined, 1, " pci=off"));
  const spare = await spareReady();
  t.not(spare, await first.getID());
  const second = await conn.createXML(guestXml("second", undefined, 1, " pci=off"));
  t.is(await second.getID(), spare, "the spare's pid is the guest's id");
  // the first guest has shown what it had to (a start leaves a spare) and goes: under nested
  // emulation two guests booting at once on the one CPU took over three minutes, and two idle
  // guests' VMMs left a nice-19 spare no CPU
  await first.destroy();
  const guest = transcript(await second.openConsole());
  await guest.waitFor(/LISTENING/);
  t.not(await spareReady(), spare, "a new spare waits for the start after");

  // <console type='pty'>: a host pty, named in the live XML, is the guest's serial line too
  const tty = /<console type='pty' tty='(\/dev\/pts\/\d+)'>/.exec(await second.getXMLDesc())?.[1];
  t.truthy(tty, "the live XML names the console's pty");
  t.regex(await second.getXMLDesc(), new RegExp(`<serial type='pty'>\\s*<source path='${tty}'/>`));
  const fd = openSync(tty!, "r+");
  const line = new TtyReadStream(fd);
  const answered = textAppears(line, "PTY 42", "latin1");
  writeSync(fd, "echo PTY $((6*7))\n");
  await answered;
  await guest.waitFor(/PTY 42/); // the console stream sees it too
  line.destroy();
  await second.destroy();
  await noVmmLeft(t, "first");
  await noVmmLeft(t, "second");
});

smallGuestTest.serial("a guest that cannot start leaves no VMM process or runtime file", async (t) => {
  const conn = await kvm(t);
  if (canBoot) await spareReady(); // the start fails in the spare (the last test's): it ends too
  const dom = await conn.defineXML(guestXml("nokernel").replace(/<kernel>[^<]*<\/kernel>/, "<kernel>/no/such/kernel</kernel>"));
  const e = await t.throwsAsync(dom.create(), { instanceOf: VirtError });
  t.is(e?.code, ErrorNumber.VIR_ERR_INTERNAL_ERROR);
  t.is(e?.message, "internal error: guest failed to start: open /no/such/kernel: No such file or directory");
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: 0 });
  await noVmmLeft(t, "nokernel");
  t.deepEqual(readdirSync(runDir).filter((f) => f.startsWith("nokernel.") && !f.endsWith(".log")), []);
  await dom.undefine();
  // a serial file that cannot be opened
  const noDir = await conn.defineXML(guestXml("nodir", "<serial type='file'><source path='/no/such/dir/serial.log'/></serial>").replace(/<kernel>[^<]*<\/kernel>/, "<kernel>/no/such/kernel</kernel>"));
  await t.throwsAsync(noDir.create(), { message: "internal error: guest failed to start: open /no/such/dir/serial.log: No such file or directory" });
  await noVmmLeft(t, "nodir");
  await noDir.undefine();
});

linuxGuestTest.serial("the VMM outlives the command that started it; another process destroys it", async (t) => {
  const conn = await kvm(t);
  const dom = await conn.defineXML(guestXml("shared"));
  t.is(run("start shared").stdout, "Domain 'shared' started\n\n");
  t.true(await dom.isActive(), "this connection sees the other process's start");
  t.regex(run("list").stdout, /^ \d+ +shared +running$/m);
  await dom.reset(0);
  t.true(await dom.isActive());
  await dom.destroy();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_DESTROYED });
  t.is(run("domstate shared --reason").stdout, "shut off (destroyed)\n\n");
  await noVmmLeft(t, "shared");
  await dom.undefine();
});

/** The next lifecycle event of kind `event` on conn, as [event, detail]. */
const nextEvent = (conn: Connection, event: number) => new Promise<[number, number]>((resolve) => conn.on("lifecycle", (_d, e, detail) => e === event && resolve([e, detail])));

/** A transient guest that triple-faults at once (no boot to wait for), its on_crash action given. */
function faultingGuestXml(name: string, onCrash: string): string {
  const image = join(base, "triple-fault.bzImage");
  if (!existsSync(image)) writeFileSync(image, tripleFaultImage());
  return `<domain type='kvm'><name>${name}</name><memory unit='MiB'>16</memory><os><type>hvm</type><kernel>${image}</kernel></os><on_crash>${onCrash}</on_crash></domain>`;
}

smallGuestTest.serial("a guest that triple-faults ends crashed (on_crash destroy), its memory dumped first with coredump-destroy, or stays crashed with preserve", async (t) => {
  const conn = await kvm(t);
  const xml = (onCrash: string) => faultingGuestXml("faulty", onCrash);
  const stoppedEvent = () => nextEvent(conn, 5);
  let stopped = stoppedEvent();
  await conn.createXML(xml("destroy"));
  t.deepEqual(await eventFrom(stopped), [5, 2]); // stopped, crashed
  await t.throwsAsync(conn.lookupByName("faulty"), { code: ErrorNumber.VIR_ERR_NO_DOMAIN }, "the transient guest is gone");
  await noVmmLeft(t, "faulty");
  const dumpDir = join(base, "state", "kvm", "dump");
  t.false(existsSync(dumpDir), "on_crash destroy dumps nothing");

  // coredump-destroy: the guest's memory and registers go to an ELF core file first
  stopped = stoppedEvent();
  await conn.createXML(xml("coredump-destroy"));
  t.deepEqual(await eventFrom(stopped), [5, 2]);
  await noVmmLeft(t, "faulty");
  const dumps = readdirSync(dumpDir);
  t.is(dumps.length, 1);
  t.regex(dumps[0], /^faulty-\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000$/);
  const file = readFileSync(join(dumpDir, dumps[0]));
  const dump = readCoreFile(file);
  t.deepEqual(dump.loads.map((l) => [l.paddr, l.size]), [[0, 16 * 1024 * 1024]]);
  const at = dump.loads[0].offset + TRIPLE_FAULT_MARK_AT;
  t.deepEqual(file.subarray(at, at + 8), TRIPLE_FAULT_MARK, "the guest's write is in the dump");
  // (its registers are what KVM has after the fault: on AMD, KVM resets a vCPU at a shutdown, so
  // they are the reset state; test/drivers/kvm-core-dump.test.ts checks how registers are written)
  t.is(dump.threads.length, 1);
  t.regex(readFileSync(join(runDir, "faulty.log"), "utf8"), /guest memory dumped to .*faulty-/);

  // preserve: the crashed guest stays, crashed (panicked), its VMM holding it, until destroyed
  const crashed = nextEvent(conn, 8);
  const dom = await conn.createXML(xml("preserve"));
  t.deepEqual(await eventFrom(crashed), [8, 0]); // crashed, panicked
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_CRASHED, reason: DomainCrashedReason.VIR_DOMAIN_CRASHED_PANICKED });
  t.is(run("domstate faulty --reason").stdout, "crashed (panicked)\n\n");
  t.true(processAlive(await dom.getID()), "its VMM process is still there");
  for (const refused of [() => dom.shutdown(), () => dom.suspend(), () => dom.reset()]) {
    await t.throwsAsync(refused(), { code: ErrorNumber.VIR_ERR_OPERATION_INVALID, message: "Requested operation is not valid: domain is not running" });
  }
  // the VMM itself refuses too (a command sent as the guest crashed, after the driver's check)
  t.is(await supervisorCommand(instanceFile(runDir, "faulty", "sock"), "suspend"), NOT_RUNNING_REPLY);
  stopped = stoppedEvent();
  await dom.destroy();
  t.deepEqual(await eventFrom(stopped), [5, 1]); // stopped, destroyed
  await noVmmLeft(t, "faulty");
});

smallGuestTest.serial("a VMM that stops answering: the console times out, and destroy kills it and records the guest destroyed", async (t) => {
  const conn = await kvm(t);
  // a guest kept crashed needs no boot: the quickest VMM to hold
  const crashed = nextEvent(conn, 8);
  const dom = await conn.createXML(faultingGuestXml("wedged", "preserve"));
  await eventFrom(crashed);
  const vmm = await dom.getID();
  t.regex(readFileSync(instanceFile(runDir, "wedged", "status"), "utf8"), new RegExp(`^started ${processStartTicks(vmm)}$`, "m"), "the VMM records when it started");
  process.kill(vmm, "SIGSTOP"); // it keeps its socket, and answers nothing
  process.env.VIRTKIT_CONTROL_WAIT_MS = "500";
  t.teardown(() => delete process.env.VIRTKIT_CONTROL_WAIT_MS);
  await t.throwsAsync(dom.openConsole(), { code: ErrorNumber.VIR_ERR_OPERATION_TIMEOUT, message: "Timed out during operation: the domain's process did not answer 'console' within 0.5 s" });
  const stopped = nextEvent(conn, 5);
  await dom.destroy();
  t.deepEqual(await eventFrom(stopped), [5, 1]); // stopped, destroyed
  t.false(await stillRunning(vmm), "the VMM is killed");
  await noVmmLeft(t, "wedged");
});
