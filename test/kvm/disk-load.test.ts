// kvm:/// disks under load, for real: a guest writes random data to a raw disk and to a qcow2 disk
// (which grows as it goes), reads each back past its page cache (O_DIRECT) and compares checksums;
// the host then finds the same bytes in both images and QEMU finds the qcow2 clean. npm run
// test:kvm runs this on real KVM. The volume is VIRTKIT_KVM_LOAD_MIB (default 256; about 8
// minutes in the nested harness, whose host kernel needs its periodic tick to live through it).
import test from "ava";
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, openSync, readSync, rmSync } from "node:fs";
import { join } from "node:path";
import { eventFrom, kvmTestNode, openForTest } from "../support/hosted.js";
import { needsRoot, testIf } from "../support/gated.js";
import { canBoot, cannotBootReason, initramfs, kernel, transcript, virtioModules } from "./guest.js";

const qemuImg = spawnSync("qemu-img", ["--version"]).status === 0 ? undefined : "needs qemu-img (Debian's qemu-utils)";
const linuxGuestTest = testIf(needsRoot("kvm:///system's state and processes") ?? cannotBootReason ?? qemuImg);
const { base } = kvmTestNode("virtkit-kvm-disk-load");
test.after.always(() => rmSync(base, { recursive: true, force: true }));

const MODULES = virtioModules("drivers/block/virtio_blk");
const initrd = canBoot ? initramfs("while [ ! -b /dev/vdb ]; do sleep 0.1; done\necho LISTENING\nwhile read -r line; do eval \"$line\"; done", MODULES) : "";
const MIB = 1 << 20;
const LOAD_MIB = Number(process.env.VIRTKIT_KVM_LOAD_MIB ?? 256);

/** The guest's line for one disk: what it wrote and what it read back, as sha256 sums. */
const loadDisk = (name: string, dev: string) =>
  `echo ${name} W=$(dd if=/dev/urandom bs=1M count=${LOAD_MIB} 2>/dev/null | tee /dev/${dev} | sha256sum | cut -c1-64) && sync && echo ${name} R=$(dd if=/dev/${dev} bs=1M count=${LOAD_MIB} iflag=direct 2>/dev/null | sha256sum | cut -c1-64)\n`;

/** sha256 of the first `bytes` of a file. */
function sha256Head(path: string, bytes: number): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  const chunk = Buffer.alloc(MIB);
  for (let at = 0; at < bytes; at += MIB) hash.update(chunk.subarray(0, readSync(fd, chunk, 0, MIB, at)));
  closeSync(fd);
  return hash.digest("hex");
}

linuxGuestTest.serial(`${LOAD_MIB} MiB of random data written and read back through virtio-blk on raw and on a growing qcow2: the same bytes everywhere, the qcow2 clean`, async (t) => {
  const raw = join(base, "load.raw");
  const qcow2 = join(base, "load.qcow2");
  execFileSync("truncate", ["-s", `${LOAD_MIB + 32}M`, raw]);
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", qcow2, `${LOAD_MIB + 32}M`]);
  const conn = await openForTest(t, "kvm:///system");
  const dom = await conn.defineXML(`<domain type='kvm'><name>load</name><memory unit='MiB'>192</memory>
<os><type arch='x86_64'>hvm</type><kernel>${kernel}</kernel><initrd>${initrd}</initrd><cmdline>console=ttyS0 reboot=k panic=1 quiet</cmdline></os>
<on_poweroff>destroy</on_poweroff><devices>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${raw}'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${qcow2}'/><target dev='vdb' bus='virtio'/></disk>
<console type='pty'/></devices></domain>`);
  const stopped = new Promise<void>((resolve) => conn.on("lifecycle", (d, event) => event === 5 && d.name === "load" && resolve()));
  await dom.create();
  const console = await dom.openConsole();
  const guest = transcript(console);
  await guest.waitFor(/LISTENING/);
  const sums = new Map<string, string>();
  for (const [name, dev] of [["RAW", "vda"], ["QCOW2", "vdb"]]) {
    const started = Date.now();
    console.write(loadDisk(name, dev));
    await guest.waitFor(new RegExp(`${name} R=\\w{64}`), 1, 600_000);
    const [, written] = new RegExp(`${name} W=(\\w{64})`).exec(guest.text()) ?? [];
    const [, read] = new RegExp(`${name} R=(\\w{64})`).exec(guest.text()) ?? [];
    t.is(read, written, `${name}: the guest reads back what it wrote`);
    sums.set(name, written ?? "");
    t.log(`${name}: ${LOAD_MIB} MiB written and read back in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.write("poweroff -f\n");
  await eventFrom(stopped);
  console.destroy();

  t.is(sha256Head(raw, LOAD_MIB * MIB), sums.get("RAW") ?? "", "the raw image holds the guest's bytes");
  t.regex(execFileSync("qemu-img", ["check", "-f", "qcow2", qcow2], { encoding: "utf8" }), /No errors were found on the image/);
  execFileSync("qemu-img", ["convert", "-O", "raw", qcow2, `${qcow2}.raw`]);
  t.is(sha256Head(`${qcow2}.raw`, LOAD_MIB * MIB), sums.get("QCOW2") ?? "", "QEMU reads the guest's bytes out of the qcow2 image");
  await dom.undefine();
});
