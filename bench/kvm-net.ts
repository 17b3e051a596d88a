// virtio-net throughput against QEMU on the same machine (inside the nested guest: npm run
// bench:kvm): two guests on one bridge, in a network namespace of the bench's own, one sending
// NET_MIB MiB of random data over TCP (busybox nc) to the other, three rounds, medians and spread, timed by the
// receiver's /proc/uptime from its first byte to its last (10 ms steps). QEMU runs the same kernel
// and initramfs with `-netdev tap,vhost=off` and virtio-net-pci, its taps put on the same bridge;
// VIRTKIT_BENCH_QEMU=0 skips it. virtkit runs twice: with vhost-net (its default where the host
// has /dev/vhost-net) and with its VMM serving the rings (<driver name='qemu'>).
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasHardwareKvm, initramfs, kernel as testKernel, vhostWorkers, VIRTIO_NET_MODULES, virtioModules } from "../test/kvm/guest.js";
import { consoleWith } from "./guest-console.js";
import { mbsSpread, spreadOf, type Spread } from "./spread.js";

const NET_MIB = Number(process.env.VIRTKIT_BENCH_NET_MIB ?? 32);
const ROUNDS = 3;
const MEMORY_MIB = 256;
const BRIDGE = "vkbench0";
const MODULES = virtioModules(...VIRTIO_NET_MODULES);
const BYTES = NET_MIB << 20;

/**
 * Guest 1 sends (its data made first), guest 2 receives and times each round from its first byte
 * ("BENCH tcp START END"), then says "BENCH done"; the kernel command line says which is which.
 * (The receiving nc reads a FIFO it holds open itself, which never ends: at the end of its input
 * it would close its side.)
 */
const GUEST = `
while [ ! -e /sys/class/net/eth0 ]; do sleep 0.1; done
for w in $(cat /proc/cmdline); do case $w in guest=*) n=\${w#guest=};; esac; done
ip link set lo up
ip addr add 10.0.0.$n/24 dev eth0
ip link set eth0 up
if [ "$n" = 1 ]; then
  dd if=/dev/urandom of=/data bs=1M count=${NET_MIB} 2>/dev/null
  for r in ${Array.from({ length: ROUNDS }, (_, i) => i + 1).join(" ")}; do
    until nc 10.0.0.2 5000 < /data; do sleep 0.5; done
  done
  echo BENCH sent
else
  mkfifo /never
  for r in ${Array.from({ length: ROUNDS }, (_, i) => i + 1).join(" ")}; do
    nc -l -p 5000 <>/never | (head -c 1 >/dev/null; read t0 idle < /proc/uptime; head -c ${BYTES - 1} >/dev/null; read t1 idle < /proc/uptime; echo BENCH tcp $t0 $t1)
  done
  echo BENCH done
fi
while true; do sleep 60; done
`;

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "ignore" });

/** The receiver's rates (bytes per second) over the rounds, from its console text; undefined when a round is missing. */
function rateOf(text: string): Spread | undefined {
  const rates = [...text.matchAll(/BENCH tcp ([\d.]+) ([\d.]+)/g)].map((m) => BYTES / Math.max(0.01, Number(m[2]) - Number(m[1])));
  return rates.length < ROUNDS ? undefined : spreadOf(rates);
}

const guestCmdline = (n: number) => `console=ttyS0 reboot=k panic=1 quiet guest=${n}`;

/** virtkit's guests, their NICs with `<driver name>` `driver` (none: vhost-net where the host has it). */
async function virtkitRun(dir: string, initrd: string, driver = ""): Promise<Spread | undefined> {
  const { openConnection } = await import("virtkit");
  const conn = await openConnection("kvm:///system");
  const logs = [1, 2].map((n) => join(dir, `virtkit-${driver || "default"}-${n}.log`));
  const domains = [];
  try {
    for (const n of [2, 1]) {
      const xml =
        `<domain type='kvm'><name>netbench${n}</name><memory unit='MiB'>${MEMORY_MIB}</memory><os><type>hvm</type><kernel>${testKernel}</kernel><initrd>${initrd}</initrd><cmdline>${guestCmdline(n)}</cmdline></os>` +
        `<devices><interface type='bridge'><mac address='52:54:00:00:01:0${n}'/><source bridge='${BRIDGE}'/><model type='virtio'/>${driver ? `<driver name='${driver}'/>` : ""}</interface><serial type='file'><source path='${logs[n - 1]}'/></serial></devices></domain>`;
      domains.push(await conn.createXML(xml));
    }
    const text = await consoleWith(logs[1], "BENCH done");
    console.log(`  (vhost-net workers while the guests ran: ${vhostWorkers()})`);
    return text === undefined ? undefined : rateOf(text);
  } finally {
    for (const d of domains) await d.destroy().catch(() => {});
    await conn.close();
  }
}

async function qemuRun(dir: string, initrd: string): Promise<Spread | undefined> {
  const logs = [1, 2].map((n) => join(dir, `qemu-${n}.log`));
  const qemus: ChildProcess[] = [];
  let gaveUp!: () => void;
  const exited = new Promise<void>((resolve) => (gaveUp = resolve));
  try {
    for (const n of [2, 1]) {
      const tap = `qtap${n}`;
      const args = ["-accel", "kvm", "-cpu", "host", "-m", String(MEMORY_MIB), "-nodefaults", "-display", "none", "-no-user-config", "-kernel", testKernel, "-initrd", initrd, "-append", guestCmdline(n), "-serial", `file:${logs[n - 1]}`];
      args.push("-netdev", `tap,id=n0,ifname=${tap},script=no,downscript=no,vhost=off`, "-device", `virtio-net-pci,netdev=n0,mac=52:54:00:00:02:0${n}`);
      const qemu = spawn("qemu-system-x86_64", args, { stdio: "ignore" });
      qemu.once("error", gaveUp).once("exit", gaveUp);
      qemus.push(qemu);
      // QEMU makes the tap (script=no leaves it down and on no bridge)
      for (const until = Date.now() + 30_000; spawnSync("ip", ["link", "show", tap], { stdio: "ignore" }).status !== 0; ) {
        if (Date.now() > until) return undefined;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      ip("link", "set", tap, "master", BRIDGE, "up");
    }
    const text = await consoleWith(logs[1], "BENCH done", exited);
    return text === undefined ? undefined : rateOf(text);
  } finally {
    for (const q of qemus) q.kill("SIGKILL");
  }
}

/** virtkit with vhost-net, virtkit's VMM serving the rings itself (<driver name='qemu'>), QEMU with vhost=off. */
export type NetFigures = { virtkit?: Spread; virtkitUserspace?: Spread; qemu?: Spread };

/** Measures in this process's network namespace (a private one: see reportKvmNet); undefined without KVM. */
export async function measureKvmNet(): Promise<NetFigures | undefined> {
  if (!testKernel || !hasHardwareKvm) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "virtkit-bench-net-"));
  process.env.VIRTKIT_CONFIG_DIR = join(dir, "etc");
  process.env.VIRTKIT_RUN_DIR = join(dir, "run");
  process.env.VIRTKIT_KVM_SPARE = "0";
  try {
    ip("link", "set", "lo", "up");
    ip("link", "add", BRIDGE, "type", "bridge");
    ip("link", "set", BRIDGE, "up");
    const initrd = initramfs(GUEST, MODULES);
    const figures: NetFigures = { virtkit: await virtkitRun(dir, initrd) };
    // printed as they come: QEMU's own L2 runs have frozen the nested test host (a TCG bug)
    console.log(`kvm:/// virtio-net guest to guest TCP under virtkit (vhost-net): ${figures.virtkit ? mbsSpread(figures.virtkit) : "no figure (the guests did not finish)"}`);
    figures.virtkitUserspace = await virtkitRun(dir, initrd, "qemu");
    console.log(`kvm:/// virtio-net guest to guest TCP under virtkit, the VMM serving the rings (<driver name='qemu'>): ${figures.virtkitUserspace ? mbsSpread(figures.virtkitUserspace) : "no figure"}`);
    if (process.env.VIRTKIT_BENCH_QEMU !== "0") figures.qemu = await qemuRun(dir, initrd);
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the figures, measured in a network namespace of their own (where KVM, tun and bridge are). */
export async function reportKvmNet(): Promise<void> {
  if (!testKernel || !hasHardwareKvm) {
    console.log("kvm:/// virtio-net figures: need a hardware-assisted /dev/kvm and the test:vm kernel (npm run bench:kvm runs them in the nested guest)");
    return;
  }
  const r = spawnSync("unshare", ["--net", "--", process.execPath, "--import", "tsx", fileURLToPath(import.meta.url), "--measure"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const line = r.stdout.split("\n").find((l) => l.startsWith("NETBENCH "));
  process.stdout.write(r.stdout.split("\n").filter((l) => !l.startsWith("NETBENCH ")).join("\n"));
  if (!line) {
    console.log(`kvm:/// virtio-net figures: the bench failed (exit ${r.status})`);
    return;
  }
  const f = JSON.parse(line.slice("NETBENCH ".length)) as NetFigures;
  const ratio = f.virtkit && f.qemu ? `   QEMU (vhost=off): ${mbsSpread(f.qemu)}   ratio ${(f.virtkit.median / f.qemu.median).toFixed(2)} (target >= 0.8)` : "   QEMU: not run (not installed, failed, or VIRTKIT_BENCH_QEMU=0)";
  console.log(`kvm:/// virtio-net guest to guest TCP (${NET_MIB} MiB, busybox nc, median of ${ROUNDS} and the spread): ${f.virtkit ? mbsSpread(f.virtkit) : "-"}${ratio}`);
  if (f.virtkitUserspace && f.qemu) console.log(`   without vhost-net (<driver name='qemu'>): ${mbsSpread(f.virtkitUserspace)}   ratio ${(f.virtkitUserspace.median / f.qemu.median).toFixed(2)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === "--measure") console.log(`NETBENCH ${JSON.stringify((await measureKvmNet()) ?? {})}`);
  else await reportKvmNet();
}
