// npm run test:vm -- CMD ARGS…  Runs CMD, from the project root, inside a QEMU TCG guest that
// sees this host's / read-only over 9p (with a tmpfs overlay for writes), and exits with its
// status. The guest is a pure cgroup v2 host by default (cgroup_no_v1=all), which this host
// (cgroup v1 hybrid) cannot test; VIRTKIT_VM_APPEND adds kernel options, VIRTKIT_VM_CPUS and
// VIRTKIT_VM_CPU set QEMU's -smp and -cpu (default 1 and max).
//
// Everything it needs comes from Debian packages, fetched once into .vm-cache/ (git-ignored):
// the kernel from linux-image (apt-get download + dpkg -x, never installed as this host's
// kernel, booted as an uncompressed vmlinux through PVH), busybox-static for the initramfs,
// and qemu-system-x86 (installed with apt-get when missing). Every QEMU run is under timeout.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { createConnection } from "node:net";
import { newcArchive } from "./initramfs.mjs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const cache = join(root, ".vm-cache");
const timeoutSeconds = Number(process.env.VIRTKIT_VM_TIMEOUT ?? 1800);
const MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci", "9pnet", "9pnet_virtio", "netfs", "fscache", "9p", "overlay", "irqbypass", "kvm", "ccp", "kvm-amd", "tun", "tap", "vhost_iotlb", "vhost", "vhost_net", "llc", "stp", "bridge", "veth",
  // virtual networks' firewall (nftables: NAT, conntrack, reject), in dependency order
  "crc32c_generic", "libcrc32c", "nfnetlink", "nf_tables", "nf_defrag_ipv4", "nf_defrag_ipv6", "nf_conntrack", "nf_nat", "nft_chain_nat", "nft_ct", "nft_masq", "nft_nat",
  "nf_reject_ipv4", "nf_reject_ipv6", "nft_reject", "nft_reject_ipv4", "nft_reject_ipv6", "nft_reject_inet"];

function sh(command, options = {}) {
  const r = spawnSync("bash", ["-c", command], { stdio: "inherit", ...options });
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${command}`);
}

function capture(command) {
  return spawnSync("bash", ["-c", command], { encoding: "utf8" }).stdout.trim();
}

/** qemu-system-x86_64, installed from Debian when missing. */
function ensureQemu() {
  if (capture("command -v qemu-system-x86_64")) return;
  sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null");
}

/** vmlinux (uncompressed: PVH boot skips seconds of xz under TCG) and the initramfs, cached. */
function ensureImages() {
  const vmlinux = join(cache, "vmlinux");
  const initrd = join(cache, "initramfs.cpio.gz");
  // the initramfs is made again whenever its modules or /init change (the kernel is kept)
  const stamp = join(cache, "initramfs.stamp");
  const wanted = createHash("sha256").update(JSON.stringify([MODULES, INIT])).digest("hex");
  if (existsSync(vmlinux) && existsSync(initrd) && existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return { vmlinux, initrd };
  if (existsSync(vmlinux) && existsSync(join(cache, "kernel", "lib", "modules"))) {
    buildInitramfs(initrd);
    writeFileSync(stamp, wanted);
    return { vmlinux, initrd };
  }
  mkdirSync(cache, { recursive: true });
  // fresh package lists: the kernel package named by linux-image-amd64 changes with point releases
  sh("apt-get update -qq");
  const kv = capture("apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\\(.*\\)/\\1/p' | head -1");
  sh(`cd '${cache}' && apt-get download -q linux-image-${kv} busybox-static >/dev/null 2>&1`);
  sh(`cd '${cache}' && rm -rf kernel bb && dpkg -x linux-image-${kv}_*.deb kernel && dpkg -x busybox-static_*.deb bb`);
  sh(
    `python3 -c "import lzma;d=open('${cache}/kernel/boot/vmlinuz-${kv}','rb').read();i=d.find(b'\\xfd7zXZ\\x00');open('${vmlinux}','wb').write(lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[i:]))"`,
  );
  buildInitramfs(initrd);
  writeFileSync(stamp, wanted);
  return { vmlinux, initrd };
}

/** The busybox initramfs with MODULES (from the kernel package) and INIT as /init. */
function buildInitramfs(initrd) {
  const tree = join(cache, "initrd");
  rmSync(tree, { recursive: true, force: true });
  for (const d of ["bin", "proc", "sys", "dev", "mnt/host", "mnt/root", "ovl", "lib/modules"]) mkdirSync(join(tree, d), { recursive: true });
  cpSync(join(cache, "bb", "bin", "busybox"), join(tree, "bin", "busybox"));
  for (const applet of ["sh", "mount", "umount", "insmod", "cat", "echo", "mkdir", "cp", "printf", "grep", "sed", "poweroff", "head", "tr", "switch_root"]) symlinkSync("busybox", join(tree, "bin", applet));
  const found = capture(`find '${cache}/kernel/lib/modules' -name '*.ko*'`).split("\n");
  for (const name of MODULES) {
    const ko = found.find((f) => f.endsWith(`/${name}.ko`));
    if (ko) cpSync(ko, join(tree, "lib", "modules", `${name}.ko`));
  }
  writeFileSync(join(tree, "init"), INIT);
  chmodSync(join(tree, "init"), 0o755);
  writeFileSync(initrd, gzipSync(newcArchive(tree), { level: 1 }));
}

/**
 * The guest's /init: modules, the host's / over 9p under a tmpfs overlay, the guest's own /dev,
 * /proc, /sys (cgroup2 on /sys/fs/cgroup), a tmpfs /run, then (switched into that root) the
 * script named on the kernel command line, and its status on the serial line.
 */
const INIT = `#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${MODULES.join(" ")}; do [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko 2>/dev/null; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose host /mnt/host || echo "VM: 9p mount failed"
mount -t tmpfs tmpfs /ovl && mkdir -p /ovl/upper /ovl/work
mount -t overlay overlay -o lowerdir=/mnt/host,upperdir=/ovl/upper,workdir=/ovl/work /mnt/root || echo "VM: overlay failed"
mkdir -p /dev/pts /dev/shm
mount -t devpts -o ptmxmode=0666,mode=0620 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount --rbind /dev /mnt/root/dev
mount -t proc proc /mnt/root/proc
mount -t sysfs sys /mnt/root/sys
mount -t cgroup2 cgroup2 /mnt/root/sys/fs/cgroup
mount -t tmpfs tmpfs /mnt/root/run
SCRIPT=$(cat /proc/cmdline | tr ' ' '\\n' | grep '^vmscript=' | sed 's/vmscript=//')
# switch_root, not chroot: the kernel refuses user namespaces to a chrooted process.
cp /bin/busybox /mnt/root/run/busybox
printf '#!/bin/bash\\nbash "%s"\\necho "VM_EXIT_STATUS=$?"\\nexec /run/busybox poweroff -f\\n' "$SCRIPT" > /mnt/root/run/vm-init
echo "VM: ready"
exec switch_root /mnt/root /bin/bash /run/vm-init
`;

/** How long the guest may stay silent on its heartbeat port before it counts as frozen (VIRTKIT_VM_STALL_S). */
const STALL_MS = Number(process.env.VIRTKIT_VM_STALL_S ?? 180) * 1000;
/**
 * A periodic tick for the guest's kernel. Tickless, the guest froze under sustained nested-KVM
 * load (idle in HLT, interrupts on, its one-shot timer never firing again: the network bench
 * froze it on every boot); with a tick every 4 ms the disk and network benches ran through.
 */
const PERIODIC_TICK = "nohz=off highres=off";
/** How many times a command may be booted when QEMU freezes its guest (VIRTKIT_VM_BOOTS). */
const BOOTS = Number(process.env.VIRTKIT_VM_BOOTS ?? 2);

/**
 * Boots the guest on `script` once. Resolves with the command's exit status, or "frozen" when the
 * guest's heartbeat stopped: QEMU's TCG has, rarely, stopped a nested-KVM guest's clock for good
 * (the guest idles forever, every process with it), which no test inside can report.
 */
function bootOnce(vmlinux, initrd, script, dir) {
  const heartbeatFile = join(dir, "heartbeat");
  const monitorSocket = join(dir, "monitor");
  writeFileSync(heartbeatFile, "");
  const append = `console=ttyS0 panic=-1 loglevel=3 quiet cgroup_no_v1=all ${PERIODIC_TICK} vmscript=${script} ${process.env.VIRTKIT_VM_APPEND ?? ""}`;
  const qemu = spawn(
    "timeout",
    [
      String(timeoutSeconds),
      "qemu-system-x86_64", "-accel", "tcg", "-cpu", process.env.VIRTKIT_VM_CPU ?? "max", "-m", process.env.VIRTKIT_VM_MEMORY ?? "3G", "-smp", process.env.VIRTKIT_VM_CPUS ?? "1",
      "-nographic", "-serial", "mon:stdio", "-serial", `file:${heartbeatFile}`, "-monitor", `unix:${monitorSocket},server=on,wait=off`,
      "-no-reboot", "-nic", "none", "-kernel", vmlinux, "-initrd", initrd, "-append", append,
      "-virtfs", "local,path=/,mount_tag=host,security_model=passthrough,readonly=on,multidevs=remap",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolvePromise) => {
    let status = 1;
    let buffered = "";
    let frozen = false;
    let beats = 0;
    let lastBeat = Date.now();
    const watchdog = setInterval(() => {
      const size = statSync(heartbeatFile).size;
      if (size !== beats) {
        beats = size;
        lastBeat = Date.now();
      } else if (beats > 0 && Date.now() - lastBeat > STALL_MS) {
        frozen = true;
        clearInterval(watchdog);
        describeFreeze(qemu.pid, monitorSocket).finally(() => qemu.kill("SIGTERM"));
      }
    }, 5000);
    qemu.stdout.setEncoding("utf8");
    qemu.stdout.on("data", (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        // SeaBIOS and the console clear the screen: drop terminal control sequences
        const line = buffered.slice(0, nl).replace(/\r$/, "").replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1bc/g, "");
        buffered = buffered.slice(nl + 1);
        const m = /VM_EXIT_STATUS=(\d+)/.exec(line);
        if (m) status = Number(m[1]);
        else process.stdout.write(`${line}\n`);
      }
    });
    qemu.on("exit", (code) => {
      clearInterval(watchdog);
      if (frozen) resolvePromise("frozen");
      else if (code === 124) {
        console.error(`test:vm: the guest did not finish within ${timeoutSeconds} s`);
        resolvePromise(124);
      } else resolvePromise(status);
    });
  });
}

/** Each QEMU thread's name, state and CPU ticks (utime + stime). */
function qemuThreads(timeoutPid) {
  const pid = capture(`pgrep -P ${timeoutPid} qemu-system`);
  if (!pid) return [];
  return capture(`for t in /proc/${pid}/task/*; do echo "$(cat $t/comm) $(cut -d' ' -f3,14,15 $t/stat) $(cat $t/wchan)"; done`).split("\n");
}

/** Asks QEMU's monitor, with a deadline, and resolves with its answer (or what came before the deadline). */
function askMonitor(socket, command) {
  return new Promise((resolvePromise) => {
    let answer = "";
    const connection = createConnection(socket, () => connection.write(`${command}\n`));
    const finish = () => { connection.destroy(); resolvePromise(answer.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "")); };
    connection.setEncoding("utf8");
    connection.on("data", (chunk) => { answer += chunk; });
    connection.on("error", (e) => { answer += `(monitor: ${e.message})`; finish(); });
    setTimeout(finish, 3000);
  });
}

/**
 * What a frozen guest was doing, for whoever chases the freeze: QEMU's threads twice 2 s apart
 * (spinning or asleep, and where), and the guest CPU's registers twice (moving or stuck).
 */
async function describeFreeze(timeoutPid, monitorSocket) {
  console.error("test:vm: the guest looks frozen; QEMU's threads (name, state, utime, stime, wchan):");
  console.error(qemuThreads(timeoutPid).join("\n"));
  const first = await askMonitor(monitorSocket, "info registers");
  await new Promise((r) => setTimeout(r, 2000));
  console.error("test:vm: 2 s later:");
  console.error(qemuThreads(timeoutPid).join("\n"));
  const second = await askMonitor(monitorSocket, "info registers");
  const rip = (text) => /RIP=(\w+)/.exec(text)?.[1] ?? "?";
  console.error(`test:vm: the guest CPU's RIP ${rip(first)} then ${rip(second)}; its registers the second time:`);
  const registers = second.split("\n").filter((l) => /=/.test(l));
  console.error(registers.slice(0, registers.findIndex((l) => l.startsWith("EFER=")) + 1).join("\n"));
}

async function main() {
  const command = process.argv.slice(2);
  if (command.length === 0) {
    console.error("usage: npm run test:vm -- CMD ARGS...");
    process.exit(2);
  }
  ensureQemu();
  const { vmlinux, initrd } = ensureImages();
  // The script lives on the host, in the project (the guest sees it through 9p at the same path;
  // its own /tmp is a fresh tmpfs).
  mkdirSync(join(cache, "runs"), { recursive: true });
  const dir = mkdtempSync(join(cache, "runs", "run-"));
  const script = join(dir, "run.sh");
  const quoted = command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  // the guest's heartbeat on its second serial port: a guest whose clock stopped says nothing more
  const heartbeat = "( while :; do echo . > /dev/ttyS1; sleep 10; done ) 2>/dev/null &";
  // VIRTKIT_TEST_VM: tests that make bridges, addresses or firewall rules run only here
  writeFileSync(script, `export HOME=/root PATH=${process.env.PATH} CI=\${CI:-} VIRTKIT_TEST_VM=1\ncd '${root}'\n${heartbeat}\n${quoted}\n`);
  // the command runs in a fresh guest each time: another boot starts it from the beginning
  let status = await bootOnce(vmlinux, initrd, script, dir);
  for (let boot = 2; status === "frozen" && boot <= BOOTS; boot++) {
    console.error(`test:vm: the guest stopped (no heartbeat for ${STALL_MS / 1000} s): QEMU froze it; running the command again in a new guest (boot ${boot} of ${BOOTS})`);
    status = await bootOnce(vmlinux, initrd, script, dir);
  }
  if (status === "frozen") console.error(`test:vm: the guest froze ${BOOTS} times`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(typeof status === "number" ? status : 1);
}

main();
