// domblkinfo and domblkstat on kvm:///system (no guest needs to run: a defined domain's disks are
// sized from their images, and counters need a running one, as in libvirt): found by target or
// source, with libvirt's errors and virsh's formats. test/kvm/disk.test.ts reads real counters.
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorDomain, ErrorNumber, VirtError } from "../../src/index.js";
import { openForTest } from "../support/hosted.js";
import { needsRoot, testIf } from "../support/gated.js";
import { tempDir } from "../support/temp.js";

const base = tempDir("virtkit-kvm-disks", "/tmp");
process.env.VIRTKIT_CONFIG_DIR = join(base, "etc");
process.env.VIRTKIT_RUN_DIR = join(base, "run");
process.env.VIRTKIT_STATE_DIR = join(base, "state");
const asRoot = testIf(needsRoot("kvm:///system"));

const image = join(base, "disk.raw");
const cli = (command: string) => spawnSync(process.execPath, [fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url)), "-c", "kvm:///system", command], { encoding: "utf8", env: process.env });

asRoot("a defined domain's disks are sized from their images, by target or by source", async (t) => {
  // 3 MiB the guest sees, 8 KiB of it written (the rest a hole)
  writeFileSync(image, Buffer.alloc(8192, 1));
  spawnSync("truncate", ["-s", "3M", image]);
  const conn = await openForTest(t, "kvm:///system");
  const dom = await conn.defineXML(`<domain type='kvm'><name>disks</name><memory unit='MiB'>64</memory><os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${image}'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><source file='${join(base, "missing.raw")}'/><target dev='vdb' bus='virtio'/><readonly/></disk></devices></domain>`);
  const allocation = statSync(image).blocks * 512;
  t.deepEqual(await dom.getBlockInfo("vda"), { capacity: 3 << 20, allocation, physical: 3 << 20 });
  t.deepEqual(await dom.getBlockInfo(image), await dom.getBlockInfo("vda"), "by its source path too");
  const unknown = await t.throwsAsync(dom.getBlockInfo("vdz"), { instanceOf: VirtError });
  t.like(unknown, { code: ErrorNumber.VIR_ERR_INVALID_ARG, domain: ErrorDomain.VIR_FROM_QEMU, message: "invalid argument: invalid path vdz not assigned to domain" });
  await t.throwsAsync(dom.getBlockInfo("vdb"), { message: `cannot stat file '${join(base, "missing.raw")}': No such file or directory` });
  await t.throwsAsync(dom.blockStatsFlags("vda"), { code: ErrorNumber.VIR_ERR_OPERATION_INVALID, message: "Requested operation is not valid: domain is not running" });

  const info = cli("domblkinfo disks vda; domblkinfo disks vda --human; domblkinfo disks --all; domblkinfo disks");
  t.is(
    info.stdout,
    `Capacity:       3145728\nAllocation:     ${allocation}\nPhysical:       3145728\n\n` +
      `Capacity:       3.000 MiB\nAllocation:     ${(allocation / 1024).toFixed(3)} KiB\nPhysical:       3.000 MiB\n\n` +
      ` Target   Capacity   Allocation   Physical\n${"-".repeat(44)}\n vda      3145728    ${String(allocation).padEnd(10)}   3145728\n vdb      -          -            -\n\n\n`,
  );
  t.is(info.stderr, "error: command 'domblkinfo' requires <device> option\n");
  const stat = cli("domblkstat disks vda");
  t.is(stat.stderr, "error: Requested operation is not valid: domain is not running\n");
  await dom.undefine();
});

const withQemuImg = testIf(needsRoot("kvm:///system") ?? (spawnSync("qemu-img", ["--version"]).status === 0 ? undefined : "needs qemu-img (Debian's qemu-utils)"));

withQemuImg("a qcow2 disk's capacity is its header's size; physical and allocation are its file's", async (t) => {
  const qcow2 = join(base, "disk.qcow2");
  spawnSync("qemu-img", ["create", "-q", "-f", "qcow2", qcow2, "5G"]);
  const notQcow2 = join(base, "not.qcow2");
  writeFileSync(notQcow2, Buffer.alloc(4096));
  const conn = await openForTest(t, "kvm:///system");
  const dom = await conn.defineXML(`<domain type='kvm'><name>qcow2disks</name><memory unit='MiB'>64</memory><os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${qcow2}'/><target dev='vda' bus='virtio'/><readonly/></disk>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${notQcow2}'/><target dev='vdb' bus='virtio'/><readonly/></disk></devices></domain>`);
  const st = statSync(qcow2);
  t.deepEqual(await dom.getBlockInfo("vda"), { capacity: 5 * 2 ** 30, allocation: st.blocks * 512, physical: st.size });
  await t.throwsAsync(dom.getBlockInfo("vdb"), { message: "Image is not in qcow2 format" });
  await dom.undefine();
});
