// kvm:/// memory through virtio-balloon, for real: dommemstat gives the guest's own statistics,
// setmem --live takes memory from the running guest (its MemTotal drops) and gives it back.
// npm run test:kvm runs this on real KVM.
import test from "ava";
import { rmSync } from "node:fs";
import { DomainMemoryStatTags as Tag } from "../../src/constants.js";
import type { Domain } from "../../src/index.js";
import { kvmTestNode, openForTest } from "../support/hosted.js";
import { needsRoot, testIf } from "../support/gated.js";
import { canBoot, cannotBootReason, initramfs, kernel, transcript, virtioModules } from "./guest.js";

const linuxGuestTest = testIf(needsRoot("kvm:///system's state and processes") ?? cannotBootReason);
const { base } = kvmTestNode("virtkit-kvm-balloon");
test.after.always(() => rmSync(base, { recursive: true, force: true }));

const MODULES = virtioModules("drivers/virtio/virtio_balloon");
const initrd = canBoot ? initramfs("echo LISTENING\nwhile read -r line; do eval \"$line\"; done", MODULES) : "";
const MIB = 1024;

/** The stats dommemstat gives, by libvirt's tag. */
async function memoryStats(dom: Domain): Promise<Map<number, number>> {
  return new Map((await dom.memoryStats()).map((s) => [s.tag, s.val]));
}

/** Polls dommemstat (the guest inflates or deflates in its own time) until `done` holds, for up to 120 s. */
async function until(dom: Domain, done: (stats: Map<number, number>) => boolean): Promise<Map<number, number>> {
  let stats = await memoryStats(dom);
  for (const end = Date.now() + 120_000; !done(stats) && Date.now() < end; ) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    stats = await memoryStats(dom);
  }
  return stats;
}

linuxGuestTest.serial("setmem --live takes memory from the running guest through its balloon and gives it back; dommemstat reports the guest's own numbers", async (t) => {
  const conn = await openForTest(t, "kvm:///system");
  const dom = await conn.createXML(`<domain type='kvm'><name>balloon</name><memory unit='MiB'>192</memory>
<os><type arch='x86_64'>hvm</type><kernel>${kernel}</kernel><initrd>${initrd}</initrd><cmdline>console=ttyS0 reboot=k panic=1 quiet</cmdline></os>
<devices><memballoon model='virtio'/><console type='pty'/></devices></domain>`);
  const console = await dom.openConsole();
  const guest = transcript(console);
  await guest.waitFor(/LISTENING/);
  const memTotal = async (word: string): Promise<number> => {
    console.write(`echo ${word} $(grep MemTotal /proc/meminfo)\n`);
    // the whole number: the line is complete once its unit has come
    await guest.waitFor(new RegExp(`${word} MemTotal:\\s+\\d+ kB`));
    return Number(new RegExp(`${word} MemTotal:\\s+(\\d+) kB`).exec(guest.text())![1]);
  };
  const before = await memTotal("FULL");

  const stats = await memoryStats(dom);
  t.is(stats.get(Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON), 192 * MIB, "nothing in the balloon");
  t.true((stats.get(Tag.VIR_DOMAIN_MEMORY_STAT_AVAILABLE) ?? 0) > 100 * MIB, "the guest's own total memory");
  t.true((stats.get(Tag.VIR_DOMAIN_MEMORY_STAT_UNUSED) ?? 0) > 0, "and its free memory");
  t.true((stats.get(Tag.VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE) ?? 0) > 1_600_000_000, "when it said so (seconds since the epoch)");
  t.true((stats.get(Tag.VIR_DOMAIN_MEMORY_STAT_RSS) ?? 0) > 0, "the VMM's resident memory");

  await dom.setMemory(128 * MIB);
  t.is((await dom.getInfo()).memory, 128 * MIB, "the live definition follows at once");
  const shrunk = await until(dom, (s) => s.get(Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON) === 128 * MIB);
  t.is(shrunk.get(Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON), 128 * MIB, "the guest gave up 64 MiB");
  t.is(before - (await memTotal("SHRUNK")), 64 * MIB, "its MemTotal dropped by as much");

  await dom.setMemory(192 * MIB);
  const grown = await until(dom, (s) => s.get(Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON) === 192 * MIB);
  t.is(grown.get(Tag.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON), 192 * MIB, "and took it back");
  t.is(await memTotal("GROWN"), before);
  await t.throwsAsync(dom.setMemory(256 * MIB), { message: /cannot set memory higher than max memory/ });
  console.destroy();
  await dom.destroy();
});
