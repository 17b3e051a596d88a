// Virtual networks on lxc:///, timed (medians): net-start of a NAT network like libvirt's default
// until its dnsmasq answers DHCP, net-destroy, and a container with one interface on it, start
// and destroy. Everything happens in a network namespace of this script's own (bench/run.ts runs
// it under `unshare --net`; the machine's own network is never touched). Prints "RESULT {json}".
// DHCP is asked by busybox's udhcpc (test:vm's .vm-cache/bb); without it that figure is left out.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROUNDS = Number(process.env.VIRTKIT_BENCH_NET_ROUNDS ?? 10);
const busybox = [join(import.meta.dirname, "..", ".vm-cache", "bb", "bin", "busybox"), "/run/busybox"].find(existsSync);
const tool = (name: string) => ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map((d) => join(d, name)).find(existsSync) ?? name;
const ip = (...args: string[]) => execFileSync(tool("ip"), args, { stdio: "ignore" });

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const since = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

const NAT = `<network><name>default</name><forward mode='nat'/><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>`;

type Connection = import("../src/index.js").Connection;

/** ROUNDS of net-start, DHCP through a client port on the bridge, net-destroy (medians; dhcp null without busybox). */
async function cycle(conn: Connection, xml: string): Promise<{ start: number; dhcp: number | null; destroy: number }> {
  const net = await conn.networkDefineXML(xml);
  const bridge = await net.getBridgeName();
  const starts: number[] = [];
  const answered: number[] = [];
  const destroys: number[] = [];
  for (let i = 0; i < ROUNDS + 1; i++) {
    const t = process.hrtime.bigint();
    await net.create();
    const started = since(t);
    let dhcp = NaN;
    if (busybox) {
      // a client port on the new bridge, then DISCOVER until an OFFER (udhcpc: -n fail at once, -q quit with the lease)
      ip("link", "set", "vkbc0", "master", bridge, "up");
      ip("link", "set", "vkbc1", "up");
      const r = spawnSync(busybox, ["udhcpc", "-i", "vkbc1", "-n", "-q", "-f", "-t", "20", "-T", "1", "-s", "/bin/true"], { stdio: "ignore" });
      if (r.status === 0) dhcp = since(t);
    }
    const d = process.hrtime.bigint();
    await net.destroy();
    const destroyed = since(d);
    if (i === 0) continue; // (the first round warms the caches)
    starts.push(started);
    answered.push(dhcp);
    destroys.push(destroyed);
  }
  await net.undefine();
  return { start: median(starts), dhcp: answered.some(Number.isNaN) ? null : median(answered), destroy: median(destroys) };
}

async function main(): Promise<void> {
  const state = mkdtempSync(join(tmpdir(), "virtkit-bench-net-"));
  process.env.VIRTKIT_CONFIG_DIR = join(state, "etc");
  process.env.VIRTKIT_RUN_DIR = join(state, "run");
  ip("link", "set", "lo", "up");
  const { openConnection } = await import("../src/index.js");
  const conn = await openConnection("lxc:///system");
  const figures: Record<string, number | null> = {};
  const containerStarts: number[] = [];
  const containerDestroys: number[] = [];
  try {
    ip("link", "add", "vkbc0", "type", "veth", "peer", "name", "vkbc1");
    // libvirt's default (STP on: the kernel then keeps a new port listening and learning for its
    // minimum forward delay, 2 s each, before DHCP gets through), and the same without STP
    const stp = await cycle(conn, NAT);
    const noStp = await cycle(conn, NAT.replace("<forward", "<bridge stp='off'/><forward"));
    Object.assign(figures, { startMs: stp.start, dhcpMs: stp.dhcp, destroyMs: stp.destroy, dhcpNoStpMs: noStp.dhcp });
    const net = await conn.networkDefineXML(NAT);
    await net.create();
    const dom = await conn.defineXML(
      `<domain type='lxc'><name>bench-if</name><memory unit='MiB'>64</memory><os><type>exe</type><init>/bin/sh</init></os><devices><interface type='network'><source network='default'/></interface><console type='pty'/></devices></domain>`,
    );
    for (let i = 0; i < 22; i++) {
      let t = process.hrtime.bigint();
      await dom.create();
      const started = since(t);
      t = process.hrtime.bigint();
      await dom.destroy();
      const destroyed = since(t);
      if (i < 2) continue;
      containerStarts.push(started);
      containerDestroys.push(destroyed);
    }
    await dom.undefine();
    await net.destroy();
    await net.undefine();
  } finally {
    await conn.close();
    rmSync(state, { recursive: true, force: true });
  }
  console.log(`RESULT ${JSON.stringify({ ...figures, containerStartMs: median(containerStarts), containerDestroyMs: median(containerDestroys), rounds: ROUNDS })}`);
}

await main();
