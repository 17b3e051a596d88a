// kvm:/// with two vCPUs, for real: both run the guest, port and MMIO exits from either reach the
// core, and suspend/resume stop and restart both. Its own file (its own nested guest in CI): QEMU's
// TCG freezes this guest more often than the others, and a freeze reruns only this file.
import { readFileSync } from "node:fs";
import { DomainState, ErrorNumber } from "../../src/index.js";
import { instanceFile } from "../support/hosted.js";
import { guestXml, kvm, linuxGuestTest, noVmmLeft, readHwrng, RNG, runDir } from "./driver-support.js";
import { transcript } from "./guest.js";

linuxGuestTest.serial("a guest with two vCPUs runs on both; suspend and resume take both along", async (t) => {
  const conn = await kvm(t);
  // a virtio-rng behind the pci-bridge: its BAR in the bridge's window, its notifications MMIO from either vCPU
  const behindBridge = RNG.replace("</rng>", "<address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0'/></rng>");
  const dom = await conn.createXML(guestXml("smp", `<console type='pty'/><controller type='pci' index='1' model='pci-bridge'/>${behindBridge}`, 2));
  const console = await dom.openConsole();
  const guest = transcript(console);
  await guest.waitFor(/LISTENING/);
  t.is((await dom.getInfo()).nrVirtCpu, 2);
  // a command on vCPU 1: its console output is port I/O that vCPU 0's UART answers
  const onSecond = (word: string) => console.write(`taskset 2 sh -c 'echo ${word} ONLINE=$(cat /sys/devices/system/cpu/online)'\n`);
  onSecond("FIRST");
  await guest.waitFor(/FIRST ONLINE=0-1/);
  // the domain's pci-bridge, where libvirt puts it, seen from vCPU 1 (its config reads are port I/O vCPU 0 answers);
  // four functions: the host bridge, the pci-bridge, libvirt's default balloon and the rng
  console.write("taskset 2 sh -c 'echo BRIDGE $(cat /sys/bus/pci/devices/0000:00:02.0/class) $(ls /sys/bus/pci/devices | grep -c 0000)'\n");
  await guest.waitFor(/BRIDGE 0x060400 4/);
  console.write(readHwrng("SECOND", "2"));
  await guest.waitFor(/SECOND virtio_rng\.0 4\+0 records in/);
  const status = readFileSync(instanceFile(runDir, "smp", "status"), "utf8");
  t.regex(status, /^vcpu \d+ \d+$/m, "both vCPU threads are recorded (their CPU time is the domain's)");

  await dom.suspend();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_PAUSED, reason: 1 });
  const pausedTime = (await dom.getInfo()).cpuTime;
  await dom.resume();
  onSecond("RESUMED");
  await guest.waitFor(/RESUMED ONLINE=0-1/);
  t.true((await dom.getInfo()).cpuTime >= pausedTime);

  console.destroy();
  await dom.destroy();
  await t.throwsAsync(conn.lookupByName("smp"), { code: ErrorNumber.VIR_ERR_NO_DOMAIN }, "the transient guest is gone");
  await noVmmLeft(t, "smp");
});

