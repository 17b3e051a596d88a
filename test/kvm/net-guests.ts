// The two-guest network scenario of net.test.ts, run by it in a network namespace of its own
// (unshare --net): a bridge with the host's address 10.0.0.254, two kvm:/// guests on it
// (10.0.0.1 and 10.0.0.2) that ping each other and the host, then move VIRTKIT_KVM_NET_MIB MiB
// (default 64) of random data over TCP. It prints one line, "RESULT " and a JSON object with what
// it saw, for the test to check; the domains are destroyed and undefined before it exits.
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openConnection, type Domain } from "../../src/index.js";
import { initramfs, kernel, transcript, vhostWorkers, VIRTIO_NET_MODULES, virtioModules } from "./guest.js";

const MIB = Number(process.env.VIRTKIT_KVM_NET_MIB ?? 64);
/** The NICs' <driver name> ('vhost', 'qemu'; empty: none). */
const DRIVER = process.env.VIRTKIT_KVM_NET_DRIVER ?? "";
const BRIDGE = "vkbr0";
/** VIRTKIT_KVM_NET_NETWORK=1: the guests are on a virtkit network ("kvmnet", bridge vkbr0, isolated) instead of the bridge the scenario makes. */
const NETWORK = process.env.VIRTKIT_KVM_NET_NETWORK === "1";
const MODULES = virtioModules(...VIRTIO_NET_MODULES);

/** The guest's init: its NIC up at 10.0.0.N, then console lines. */
const NET_INIT = `
while [ ! -e /sys/class/net/eth0 ]; do sleep 0.1; done
ip link set lo up
for w in $(cat /proc/cmdline); do case $w in guest=*) n=\${w#guest=};; esac; done
ip addr add 10.0.0.$n/24 dev eth0
ip link set eth0 up
echo NET_UP $(cat /sys/class/net/eth0/address) $(cat /sys/class/net/eth0/mtu)
echo LISTENING
while read -r line; do eval "$line"; done
`;

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "inherit" });
const cli = (command: string) => spawnSync(process.execPath, [fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url)), "-c", "kvm:///system", command], { encoding: "utf8", env: process.env }).stdout;

function guestXml(n: number, initrd: string): string {
  return `<domain type='kvm'><name>net${n}</name><memory unit='MiB'>256</memory>
<os><type arch='x86_64'>hvm</type><kernel>${kernel}</kernel><initrd>${initrd}</initrd><cmdline>console=ttyS0 reboot=k panic=1 quiet guest=${n}</cmdline></os>
<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
<devices><interface type='${NETWORK ? "network" : "bridge"}'><mac address='52:54:00:00:00:0${n}'/>${NETWORK ? "<source network='kvmnet'/>" : `<source bridge='${BRIDGE}'/>`}<model type='virtio'/>${DRIVER ? `<driver name='${DRIVER}'/>` : ""}</interface><console type='pty'/></devices></domain>`;
}

async function main(): Promise<void> {
  ip("link", "set", "lo", "up");
  const conn = await openConnection("kvm:///system");
  if (NETWORK) {
    await conn.networkCreateXML(`<network><name>kvmnet</name><bridge name='${BRIDGE}'/><ip address='10.0.0.254' prefix='24'/></network>`);
  } else {
    ip("link", "add", BRIDGE, "type", "bridge");
    ip("addr", "add", "10.0.0.254/24", "dev", BRIDGE);
    ip("link", "set", BRIDGE, "up");
  }
  const initrd = initramfs(NET_INIT, MODULES);
  const domains: Domain[] = [];
  try {
    for (const n of [1, 2]) domains.push(await conn.defineXML(guestXml(n, initrd)));
    for (const d of domains) await d.create();
    const consoles = await Promise.all(domains.map((d) => d.openConsole()));
    const [g1, g2] = consoles.map((c) => transcript(c));
    shown.push(g1, g2);
    await Promise.all([g1.waitFor(/LISTENING/, 1, 600_000), g2.waitFor(/LISTENING/, 1, 600_000)]);
    const say = (i: number, line: string) => {
      process.stderr.write(`net${i + 1}: ${line}\n`); // the test shows how far a failed run got
      consoles[i].write(`${line}\n`);
    };
    say(0, "echo PINGS $(ping -c 3 -W 10 10.0.0.2 | grep -c 'bytes from')");
    await g1.waitFor(/PINGS \d/);
    say(0, "ping -c 1 -W 10 10.0.0.254 >/dev/null && echo HOST_REACHED");
    say(1, "ping -c 1 -W 10 10.0.0.254 >/dev/null && echo HOST_REACHED");
    await Promise.all([g1.waitFor(/HOST_REACHED/, 1, 60_000), g2.waitFor(/HOST_REACHED/, 1, 60_000)]);
    // g2 hashes the first MIB MiB it receives; g1 sends a file of that size, trying until g2 listens.
    // (g2's nc reads a FIFO it holds open itself, which never ends: a background job's stdin is
    // /dev/null, whose end would make nc close its side and the sender's nc quit early)
    say(1, `mkfifo /never; (echo RECEIVED $(nc -l -p 5000 <>/never | head -c ${MIB * 1048576} | sha256sum)) &`);
    say(0, `dd if=/dev/urandom of=/data bs=1M count=${MIB} 2>/dev/null; echo SENDING $(sha256sum /data)`);
    await g1.waitFor(/SENDING [0-9a-f]{64}/, 1, 600_000);
    const started = Date.now();
    say(0, "(until nc 10.0.0.2 5000 < /data; do sleep 1; done) >/dev/null 2>&1 &");
    // how far the transfer got, every 10 s (on standard error: a failed run shows it)
    const progress = setInterval(() => {
      const taps = execFileSync("grep", ["vnet", "/proc/net/dev"], { encoding: "utf8" }).replace(/ +/g, " ");
      process.stderr.write(`after ${((Date.now() - started) / 1000).toFixed(0)} s, the taps' host sides (rx bytes packets errs drop … tx bytes packets errs drop …):\n${taps}`);
    }, 10_000);
    await g2.waitFor(/RECEIVED [0-9a-f]{64}/, 1, Number(process.env.VIRTKIT_KVM_NET_WAIT_S ?? 900) * 1000).finally(() => clearInterval(progress));
    const seconds = (Date.now() - started) / 1000;
    const live = await Promise.all(domains.map((d) => d.getXMLDesc(0)));
    const tapNames = live.map((xml) => /<target dev='([^']+)'\/>/.exec(xml)?.[1] ?? "");
    const result = {
      up: [g1.text(), g2.text()].map((t) => /NET_UP (\S+) (\d+)/.exec(t)?.slice(1)),
      pings: Number(/PINGS (\d)/.exec(g1.text())?.[1]),
      sent: /SENDING ([0-9a-f]{64})/.exec(g1.text())?.[1],
      received: /RECEIVED ([0-9a-f]{64})/.exec(g2.text())?.[1],
      seconds,
      vhostOwners: vhostWorkers(),
      tapNames,
      stats: await Promise.all(domains.map((d, i) => d.interfaceStats(tapNames[i]))),
      statsByMac: await domains[0].interfaceStats("52:54:00:00:00:01"),
      arp: await domains[0].interfaceAddresses(2),
      domiflist: cli("domiflist net1"),
      domifstat: cli(`domifstat net1 ${tapNames[0]}`),
      domifaddr: cli("domifaddr net1 --source arp"),
      consoles: [g1.text().slice(-1500), g2.text().slice(-1500)],
      bridgePorts: execFileSync("ip", ["-o", "link", "show", "master", BRIDGE], { encoding: "utf8" }),
      source: /<source [^>]*\/>/.exec(live[0])?.[0],
    };
    for (const c of consoles) c.destroy();
    for (const d of domains) await d.destroy();
    const left = execFileSync("cat", ["/proc/net/dev"], { encoding: "utf8" });
    console.log(`RESULT ${JSON.stringify({ ...result, tapsLeft: tapNames.filter((t) => t !== "" && left.includes(`${t}:`)) })}`);
  } finally {
    for (const d of domains) {
      await d.destroy().catch(() => {});
      await d.undefine().catch(() => {});
    }
    if (NETWORK) await (await conn.networkLookupByName("kvmnet")).destroy().catch(() => {});
    await conn.close();
  }
}

/** The guests' console transcripts, for a failed run. */
const shown: { text(): string }[] = [];

/** The VMMs' logs (the domains' run files), for a failed run. */
function vmmLogs(): string {
  const dir = `${process.env.VIRTKIT_RUN_DIR ?? ""}/kvm`;
  return spawnSync("sh", ["-c", `for f in '${dir}'/*log*; do echo "== $f"; tail -c 2000 "$f"; done`], { encoding: "utf8" }).stdout;
}

main().catch((e) => {
  console.error(e);
  console.error(vmmLogs());
  for (const g of shown) console.error(`---- console:\n${g.text().slice(-1500)}`);
  // the host kernel's complaints (a tap refusing a frame says why there)
  console.error(spawnSync("dmesg", { encoding: "utf8" }).stdout.split("\n").slice(-15).join("\n"));
  process.exit(1);
});
