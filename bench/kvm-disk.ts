// virtio-blk throughput against QEMU on the same machine (inside the nested guest: npm run
// bench:kvm): one guest, one disk image (in the host's page cache, so the VMM's cost per request
// decides, not a device), raw and then qcow2 (the same bytes, every cluster allocated), dd with
// O_DIRECT inside the guest — 1 MiB reads, 1 MiB writes, 4 KiB reads — three rounds each, medians
// and the spread (timed by the guest's /proc/uptime: 10 ms steps). QEMU runs the same kernel,
// initramfs and image with `-drive if=virtio,format=…` (its default writeback cache, as virtkit's);
// VIRTKIT_BENCH_QEMU=0 skips it. Each guest also has a virtio NIC on a tap of its own (up, idle),
// so that the resident memory taken after the runs is a VMM's with one disk and one NIC.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasHardwareKvm, initramfs, kernel as testKernel, VIRTIO_NET_MODULES, virtioModules } from "../test/kvm/guest.js";
import { consoleWith } from "./guest-console.js";
import { describeMemory, processMemory, type ProcessMemory } from "./process-memory.js";
import { mbsSpread, spreadOf, type Spread } from "./spread.js";

const MEMORY_MIB = 256;
const IMAGE_MIB = 160;
const ROUNDS = 3;
const CMDLINE = "console=ttyS0 reboot=k panic=1 quiet";
const MODULES = virtioModules("drivers/block/virtio_blk", ...VIRTIO_NET_MODULES);
const RUNS = {
  read1m: { dd: "dd if=/dev/vda of=/dev/null bs=1M count=128 iflag=direct", bytes: 128 << 20 },
  write1m: { dd: "dd if=/dev/zero of=/dev/vda bs=1M count=128 oflag=direct", bytes: 128 << 20 },
  read4k: { dd: "dd if=/dev/vda of=/dev/null bs=4k count=4096 iflag=direct", bytes: 4096 * 4096 },
} as const;
type Run = keyof typeof RUNS;

/**
 * The guest: each dd ROUNDS times, timed by /proc/uptime (Debian's busybox dd prints no rate):
 * "BENCH NAME EXIT START END"; then "BENCH idle", when the host takes the VMM's memory, and it
 * powers off a few seconds later.
 */
const GUEST = `
while [ ! -b /dev/vda ] || [ ! -e /sys/class/net/eth0 ]; do sleep 0.1; done
ip link set eth0 up
for r in ${Array.from({ length: ROUNDS }, (_, i) => i + 1).join(" ")}; do
${Object.entries(RUNS)
  .map(([name, { dd }]) => `  read t0 idle < /proc/uptime; ${dd} 2>/dev/null; rc=$?; read t1 idle < /proc/uptime; echo BENCH ${name} $rc $t0 $t1`)
  .join("\n")}
done
echo BENCH idle
sleep 5
echo BENCH done
poweroff -f
`;

/** Each run's bytes per second over the rounds, and the VMM's memory once the runs are over. */
export type DiskFigures = { rates: Record<Run, Spread>; memory: ProcessMemory };

/** Bytes per second of each run, from the guest's console text; throws (with the text) when a run is missing. */
function ratesOf(text: string): Record<Run, Spread> {
  const rates = new Map<string, number[]>();
  for (const m of text.matchAll(/BENCH (\w+) 0 ([\d.]+) ([\d.]+)/g)) {
    const run = m[1] as Run;
    rates.set(run, [...(rates.get(run) ?? []), RUNS[run].bytes / (Number(m[3]) - Number(m[2]))]);
  }
  if (!(Object.keys(RUNS) as Run[]).every((run) => rates.get(run)?.length)) throw new Error(`the disk bench's guest did not report every run: ${JSON.stringify(text.slice(-800))}`);
  return Object.fromEntries((Object.keys(RUNS) as Run[]).map((run) => [run, spreadOf(rates.get(run)!)])) as Record<Run, Spread>;
}

/** Waits until the guest's console file says it is idle after its runs (or gives up after 10 minutes), then takes the process's memory. */
async function figuresWhenIdle(file: string, pid: number): Promise<DiskFigures> {
  const text = await consoleWith(file, "BENCH idle");
  if (text === undefined) throw new Error(`the disk bench's guest did not finish in 10 minutes: ${JSON.stringify((existsSync(file) ? readFileSync(file, "latin1") : "").slice(-400))}`);
  return { memory: processMemory(pid, MEMORY_MIB << 20), rates: ratesOf(text) };
}

type Format = "raw" | "qcow2";
const FORMATS: Format[] = ["raw", "qcow2"];

async function virtkitRun(dir: string, initrd: string, image: string, format: Format): Promise<DiskFigures> {
  const serial = join(dir, `virtkit-${format}.log`);
  const { openConnection } = await import("virtkit");
  const conn = await openConnection("kvm:///system");
  const dom = await conn.createXML(
    `<domain type='kvm'><name>diskbench</name><memory unit='MiB'>${MEMORY_MIB}</memory><os><type>hvm</type><kernel>${testKernel}</kernel><initrd>${initrd}</initrd><cmdline>${CMDLINE}</cmdline></os><on_poweroff>destroy</on_poweroff>` +
      `<devices><disk type='file' device='disk'><driver name='qemu' type='${format}'/><source file='${image}'/><target dev='vda' bus='virtio'/></disk>` +
      `<interface type='ethernet'><model type='virtio'/></interface><serial type='file'><source path='${serial}'/></serial></devices></domain>`,
  );
  try {
    return await figuresWhenIdle(serial, await dom.getID());
  } finally {
    // the guest powers itself off when done (the transient domain is then gone)
    await dom.destroy().catch(() => {});
    await conn.close();
  }
}

async function qemuRun(dir: string, initrd: string, image: string, format: Format): Promise<DiskFigures | undefined> {
  const serial = join(dir, `qemu-${format}.log`);
  const args = ["-accel", "kvm", "-cpu", "host", "-m", String(MEMORY_MIB), "-nodefaults", "-display", "none", "-no-user-config", "-kernel", testKernel, "-initrd", initrd, "-append", CMDLINE, "-serial", `file:${serial}`, "-drive", `file=${image},if=virtio,format=${format}`];
  args.push("-netdev", "tap,id=n0,ifname=qtapdisk,script=no,downscript=no,vhost=off", "-device", "virtio-net-pci,netdev=n0");
  const qemu = spawn("qemu-system-x86_64", args, { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => qemu.once("error", () => resolve()).once("exit", () => resolve()));
  try {
    // QEMU that does not start (no KVM for it, say) reports nothing: no QEMU figures
    return await Promise.race([figuresWhenIdle(serial, qemu.pid!), exited.then(() => undefined)]);
  } finally {
    qemu.kill("SIGKILL");
    await exited;
  }
}

export type DiskComparison = { virtkit: DiskFigures; qemu?: DiskFigures };

export async function measureKvmDisk(): Promise<Map<Format, DiskComparison> | undefined> {
  if (!testKernel || !hasHardwareKvm) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "virtkit-bench-disk-"));
  process.env.VIRTKIT_CONFIG_DIR = join(dir, "etc");
  process.env.VIRTKIT_RUN_DIR = join(dir, "run");
  process.env.VIRTKIT_KVM_SPARE = "0";
  try {
    const initrd = initramfs(GUEST, MODULES);
    const images = { raw: join(dir, "disk.raw"), qcow2: join(dir, "disk.qcow2") };
    writeFileSync(images.raw, Buffer.alloc(IMAGE_MIB << 20, 0x5a));
    execFileSync("qemu-img", ["convert", "-O", "qcow2", images.raw, images.qcow2]);
    const figures = new Map<Format, DiskComparison>();
    for (const format of FORMATS) figures.set(format, { virtkit: await virtkitRun(dir, initrd, images[format], format) });
    // printed before QEMU runs: QEMU's own L2 run has frozen the nested test host (a TCG bug)
    for (const [format, { virtkit }] of figures) console.log(`kvm:/// virtio-blk ${format} under virtkit: ${(Object.keys(RUNS) as Run[]).map((run) => `${run} ${mbsSpread(virtkit.rates[run])}`).join(", ")}`);
    if (process.env.VIRTKIT_BENCH_QEMU === "0") return figures;
    for (const [format, f] of figures) f.qemu = await qemuRun(dir, initrd, images[format], format);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the figures (where a hardware-assisted /dev/kvm and the test:vm kernel are). */
export async function reportKvmDisk(): Promise<void> {
  const figures = await measureKvmDisk();
  if (!figures) {
    console.log("kvm:/// virtio-blk figures: need a hardware-assisted /dev/kvm and the test:vm kernel (npm run bench:kvm runs them in the nested guest)");
    return;
  }
  for (const [format, f] of figures) {
    for (const run of Object.keys(RUNS) as Run[]) {
      const [ours, qemu] = [f.virtkit.rates[run], f.qemu?.rates[run]];
      const ratio = qemu ? `   QEMU: ${mbsSpread(qemu)}   ratio ${(ours.median / qemu.median).toFixed(2)} (target >= 0.8)` : "   QEMU: not run (not installed, or VIRTKIT_BENCH_QEMU=0)";
      console.log(`kvm:/// virtio-blk ${format} ${run} (${RUNS[run].dd}): ${mbsSpread(ours)}${ratio}`);
    }
    console.log(`kvm:/// VMM with one ${format} disk and one NIC, after the runs: ${describeMemory(f.virtkit.memory)}`);
    if (f.qemu) console.log(`QEMU with the same disk and NIC, after the runs: ${describeMemory(f.qemu.memory)}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await reportKvmDisk();
