// kvm:/// guests on virtio disks, for real: a Linux guest boots as a distribution boots — its
// initramfs loads the virtio and ext4 modules, mounts /dev/vda (a raw ext4 image) and switches
// root to it — writes a file, reboots through libvirt's reboot, finds the file again and powers
// off; the host then reads the file out of the image. A second disk is a qcow2 overlay on a raw
// file, which the guest reads whole and writes to; QEMU checks it afterwards. npm run test:kvm
// runs this on real KVM.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DomainShutoffReason, DomainState } from "../../src/index.js";
import { eventFrom, kvmTestNode, openForTest, processesLeft } from "../support/hosted.js";
import { needsRoot, testIf } from "../support/gated.js";
import { canBoot, cannotBootReason, e2fsTool, ext4RootImage, initramfs, kernel, transcript, virtioModules } from "./guest.js";

const qemuImg = spawnSync("qemu-img", ["--version"]).status === 0 ? undefined : "needs qemu-img and qemu-io (Debian's qemu-utils)";
const linuxGuestTest = testIf(needsRoot("kvm:///system's state and processes") ?? cannotBootReason ?? qemuImg);
const { base } = kvmTestNode("virtkit-kvm-disk");
test.after.always(() => rmSync(base, { recursive: true, force: true }));

const MODULES = virtioModules(
  "drivers/block/virtio_blk", "lib/crc16", "crypto/crc32c_generic", "fs/mbcache", "fs/jbd2/jbd2", "fs/ext4/ext4",
  "drivers/acpi/button", "drivers/input/evdev",
);

/** The initramfs's part: wait for the disk, mount it, switch root to its /sbin/init. */
const SWITCH_ROOT = `
while [ ! -b /dev/vda ]; do sleep 0.1; done
mkdir -p /newroot
mount -t ext4 /dev/vda /newroot && echo ROOT_MOUNTED
umount /proc /sys /dev
exec switch_root /newroot /sbin/init
`;

/**
 * The root file system's init: says what it finds, powers off on the power button (root remounted
 * read-only first, so the image is clean), runs console lines.
 */
const ROOT_INIT = `
echo ROOT $(grep ' / ' /proc/mounts | grep -c '^/dev/vda / ext4 rw') SERIAL $(cat /sys/block/vda/serial) SIZE $(cat /sys/block/vda/size)
if [ -f /written-by-guest ]; then echo FOUND $(cat /written-by-guest); fi
while [ ! -e /dev/input/event0 ]; do sleep 0.1; done
n=0
for e in /dev/input/event*; do n=$((n+1)); (dd if=$e of=/dev/null bs=24 count=1 2>/dev/null; echo POWER_BUTTON; mount -o remount,ro /; poweroff -f) & done
while [ "$(ls -l /proc/[0-9]*/fd/ 2>/dev/null | grep -c /dev/input/event)" -lt $n ]; do sleep 0.1; done
echo LISTENING
while read -r line; do eval "$line"; done
`;

const initrd = canBoot ? initramfs(SWITCH_ROOT, MODULES) : "";
/** The virtkit CLI (dist/) on kvm:///system, in another process. */
const run = (command: string) => spawnSync(process.execPath, [fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url)), "-c", "kvm:///system", command], { encoding: "utf8", env: process.env });

/** A qcow2 disk: an overlay with its own writes over a shorter raw file; and its sha256 as QEMU reads it. */
function qcow2Overlay(): { path: string; sha256: string; expected: string } {
  const dir = join(base, "images");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "base.raw"), Uint8Array.from({ length: 4 << 20 }, (_, i) => (i * 7) >> 9));
  const path = join(dir, "overlay.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", path, "6M"], { cwd: dir });
  execFileSync("qemu-io", ["-f", "qcow2", path, "-c", "write -P 0x42 1M 192k", "-c", "write -z 2M 64k", "-c", "write -P 0x43 5M 4k"]);
  execFileSync("qemu-img", ["convert", "-O", "raw", path, join(dir, "expected.raw")]);
  return { path, sha256: createHash("sha256").update(readFileSync(join(dir, "expected.raw"))).digest("hex"), expected: join(dir, "expected.raw") };
}

function diskGuestXml(name: string, image: string, more = ""): string {
  return `<domain type='kvm'><name>${name}</name><memory unit='MiB'>192</memory>
<os><type arch='x86_64'>hvm</type><kernel>${kernel}</kernel><initrd>${initrd}</initrd><cmdline>console=ttyS0 reboot=k panic=1 quiet</cmdline></os>
<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${image}'/><target dev='vda' bus='virtio'/><serial>VK-ROOT-1</serial></disk>${more}<console type='pty'/></devices></domain>`;
}

linuxGuestTest.serial("a guest boots from a raw ext4 disk, keeps what it writes across a reboot, and the host reads it back; a qcow2 overlay reads and writes as QEMU's", async (t) => {
  const image = ext4RootImage(ROOT_INIT);
  const overlay = qcow2Overlay();
  const conn = await openForTest(t, "kvm:///system");
  const qcow2Disk = `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${overlay.path}'/><target dev='vdb' bus='virtio'/></disk>`;
  const dom = await conn.defineXML(diskGuestXml("rootdisk", image, qcow2Disk));
  const stopped = new Promise<void>((resolve) => conn.on("lifecycle", (d, event) => event === 5 && d.name === "rootdisk" && resolve()));
  await dom.create();
  const console = await dom.openConsole();
  const guest = transcript(console);
  await guest.waitFor(/LISTENING/);
  t.regex(guest.text(), /ROOT_MOUNTED/);
  t.regex(guest.text(), /ROOT 1 SERIAL VK-ROOT-1 SIZE 32768/, "root is /dev/vda, ext4, read-write; the serial and the size in sectors are the disk's");
  t.notRegex(guest.text(), /FOUND/);

  // a second domain on the same image is refused while this one runs (QEMU's image locks)
  const other = await conn.defineXML(diskGuestXml("rootdisk2", image));
  await t.throwsAsync(other.create(), { message: `internal error: guest failed to start: Failed to get "write" lock: Is another process using the image [${image}]?` });
  t.deepEqual(await processesLeft(join(base, "run", "kvm", "rootdisk2.plan")), [], "the refused start left no VMM");
  await other.undefine();

  // the qcow2 overlay, every byte through the core's qcow2 reader and its raw backing file
  console.write("echo QCOW2 $(sha256sum /dev/vdb) SIZE $(cat /sys/block/vdb/size) RO $(cat /sys/block/vdb/ro)\n");
  await guest.waitFor(/QCOW2 \w+ +\/dev\/vdb SIZE \d+ RO \d/);
  t.regex(guest.text(), new RegExp(`QCOW2 ${overlay.sha256} +/dev/vdb SIZE 12288 RO 0`), "the guest reads what QEMU reads");
  t.like(await dom.getBlockInfo("vdb"), { capacity: 6 << 20 });
  // and writes it: 512 KiB from 1 MiB copied to 3 MiB (new clusters, over the raw file's end)
  console.write("dd if=/dev/vdb of=/dev/vdb bs=64k skip=16 seek=48 count=8 conv=fsync 2>/dev/null && echo COPIED\n");
  await guest.waitFor(/COPIED/);

  console.write("echo virtkit-$((6*7)) > /written-by-guest && sync && echo WRITTEN\n");
  await guest.waitFor(/WRITTEN/);
  // what the guest did, counted by the VMM (domblkstat), and the image's sizes (domblkinfo)
  const stats = Object.fromEntries((await dom.blockStatsFlags("vda")).map((p) => [p.field, Number(p.value)]));
  t.true(stats.rd_operations > 0 && stats.rd_bytes >= stats.rd_operations * 512, "it read its root");
  t.true(stats.wr_operations > 0 && stats.flush_operations > 0, "wrote and flushed (sync)");
  t.true(stats.rd_total_times > 0, "time spent is counted");
  // the same counters by source path (the guest's file system may have written since: not fewer)
  const legacy = await dom.blockStats(image);
  t.true(legacy.rd_req >= stats.rd_operations && legacy.rd_bytes >= stats.rd_bytes && legacy.wr_req >= stats.wr_operations && legacy.wr_bytes >= stats.wr_bytes);
  t.is(legacy.errs, -1);
  t.regex(run("domblkstat rootdisk vda").stdout, /^vda rd_req \d+\nvda rd_bytes \d+\nvda wr_req \d+\nvda wr_bytes \d+\nvda flush_operations \d+\nvda rd_total_times \d+\nvda wr_total_times \d+\nvda flush_total_times \d+\n\n$/);
  t.like(await dom.getBlockInfo("vda"), { capacity: 16 << 20, physical: 16 << 20 });
  await dom.reboot();
  await guest.waitFor(/LISTENING/, 2);
  t.regex(guest.text(), /FOUND virtkit-42/, "the file is there after the reboot");
  t.deepEqual((await dom.getState()).state, DomainState.VIR_DOMAIN_RUNNING);

  await dom.shutdown();
  await eventFrom(stopped);
  console.destroy();
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_SHUTDOWN });
  const readBack = execFileSync(e2fsTool("debugfs"), ["-R", "cat /written-by-guest", image], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  t.is(readBack, "virtkit-42\n", "the host reads the guest's file out of the image");
  execFileSync(e2fsTool("e2fsck"), ["-fn", image], { stdio: "ignore" }); // clean: throws on a damaged file system
  // QEMU finds the qcow2 image clean, with the guest's copy where it wrote it
  t.regex(execFileSync("qemu-img", ["check", "-f", "qcow2", overlay.path], { encoding: "utf8" }), /No errors were found on the image/);
  execFileSync("qemu-img", ["convert", "-O", "raw", overlay.path, `${overlay.expected}.after`]);
  const [before, after] = [readFileSync(overlay.expected), readFileSync(`${overlay.expected}.after`)];
  t.true(after.subarray(3 << 20, (3 << 20) + (512 << 10)).equals(before.subarray(1 << 20, (1 << 20) + (512 << 10))), "the copy is in the image");
  t.true(after.subarray(0, 3 << 20).equals(before.subarray(0, 3 << 20)), "the rest is as it was");
  await dom.undefine();
});

const sha256Of = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

linuxGuestTest.serial("the same on a qcow2 root over a raw backing file: the writes land in the overlay, QEMU finds it clean, the backing file is unchanged", async (t) => {
  const rootBase = ext4RootImage(ROOT_INIT);
  const overlay = `${rootBase}.qcow2`;
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", rootBase, "-F", "raw", overlay]);
  const baseSum = sha256Of(rootBase);
  const conn = await openForTest(t, "kvm:///system");
  const dom = await conn.defineXML(diskGuestXml("qcow2root", overlay).replace("type='raw'", "type='qcow2'"));
  const stopped = new Promise<void>((resolve) => conn.on("lifecycle", (d, event) => event === 5 && d.name === "qcow2root" && resolve()));
  await dom.create();
  const console = await dom.openConsole();
  const guest = transcript(console);
  await guest.waitFor(/LISTENING/);
  t.regex(guest.text(), /ROOT 1 SERIAL VK-ROOT-1 SIZE 32768/, "root is the qcow2 disk, read-write, its virtual size the backing file's");
  console.write("echo virtkit-$((6*7)) > /written-by-guest && sync && echo WRITTEN\n");
  await guest.waitFor(/WRITTEN/);
  await dom.reboot();
  await guest.waitFor(/LISTENING/, 2);
  t.regex(guest.text(), /FOUND virtkit-42/, "the file is there after the reboot");
  await dom.shutdown();
  await eventFrom(stopped);
  console.destroy();

  t.regex(execFileSync("qemu-img", ["check", "-f", "qcow2", overlay], { encoding: "utf8" }), /No errors were found on the image/);
  t.is(sha256Of(rootBase), baseSum, "the backing file is unchanged");
  const flattened = `${overlay}.raw`;
  execFileSync("qemu-img", ["convert", "-O", "raw", overlay, flattened]);
  const readBack = execFileSync(e2fsTool("debugfs"), ["-R", "cat /written-by-guest", flattened], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  t.is(readBack, "virtkit-42\n", "the host reads the guest's file out of the image as QEMU reads it");
  execFileSync(e2fsTool("e2fsck"), ["-fn", flattened], { stdio: "ignore" }); // clean: throws on a damaged file system
  await dom.undefine();
});
