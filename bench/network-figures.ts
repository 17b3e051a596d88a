// Prints the virtual network figures: virtkit's (bench/networks.ts) and, where Debian's libvirtd and
// python3-libvirt are installed, libvirt's network driver doing the same (bench/libvirt-networks.py),
// each in a network namespace of its own. Needs root and unshare(1); reports why not otherwise.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const busybox = [join(here, "..", ".vm-cache", "bb", "bin", "busybox"), "/run/busybox"].find(existsSync) ?? "";

type Figures = Record<string, number | string | null>;

function result(command: string, args: string[]): Figures | string {
  const run = spawnSync(command, args, { encoding: "utf8", timeout: 600_000 });
  const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  return line ? (JSON.parse(line.slice(7)) as Figures) : `failed: ${(run.stderr || run.stdout).trim().split("\n").slice(-2).join(" ")}`;
}

const ms = (v: unknown) => (typeof v === "number" ? `${v.toFixed(1)} ms` : "n/a");

export function reportNetworks(): void {
  if (process.getuid?.() !== 0) return void console.log("virtual networks: need root (a network namespace of their own)");
  const ours = result("unshare", ["--net", process.execPath, "--import", "tsx", join(here, "networks.ts")]);
  if (typeof ours === "string") return void console.log(`virtual networks: ${ours}`);
  const libvirtHere = existsSync("/usr/sbin/libvirtd") && spawnSync("/usr/bin/python3", ["-c", "import libvirt"]).status === 0;
  const theirs = libvirtHere ? result("unshare", ["--net", "--mount", "--propagation", "private", "/usr/bin/python3", join(here, "libvirt-networks.py"), busybox]) : "libvirtd or python3-libvirt not installed";
  const side = (key: string) => (typeof theirs === "string" ? "" : `   libvirt, this run: ${ms(theirs[key])}${typeof theirs[key] === "number" && typeof ours[key] === "number" ? `   ratio ${((theirs[key] as number) / (ours[key] as number)).toFixed(1)}x` : ""}`);
  console.log(`net-start (NAT, DHCP, libvirt's default network): ${ms(ours.startMs)}${side("startMs")}`);
  console.log(`  net-start to dnsmasq's DHCP offer, STP on (the kernel holds a new port 4 s): ${ms(ours.dhcpMs)}${side("dhcpMs")}`);
  console.log(`  net-start to dnsmasq's DHCP offer, STP off: ${ms(ours.dhcpNoStpMs)}${side("dhcpNoStpMs")}`);
  console.log(`net-destroy: ${ms(ours.destroyMs)}${side("destroyMs")}`);
  const lxcNote = typeof theirs !== "string" && theirs.containerError ? `   (libvirt's LXC here: ${String(theirs.containerError).trim()})` : side("containerStartMs");
  console.log(`lxc:/// container with one interface on the network: start ${ms(ours.containerStartMs)} (target <= 15 ms)   destroy ${ms(ours.containerDestroyMs)}${lxcNote}`);
  if (typeof theirs === "string") console.log(`  libvirt's network driver: ${theirs}`);
  if (!busybox) console.log("  (DHCP figures need busybox: npm run test:vm fetches it into .vm-cache/)");
}
