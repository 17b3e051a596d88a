// Carries out the steps core.wasm plans for a virtual network on this host (its networkStartPlan
// and networkStopPlan lines, core-wasm/network/host-plan.ts): iproute2's `ip` for links,
// addresses and routes, `nft -f -` for the firewall, sysfs and procfs writes, dnsmasq. Each step
// does what its line says and nothing else; errors carry libvirt's words for the same failure.
// Stop steps tolerate what is already gone, so that a stop after a half-done start undoes it.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import { killProcess, processCommandLine, processRunning, waitUntilGoneNow } from "../hosted/proc.js";
import { readText, writeAtomically } from "../hosted/text-file.js";

/**
 * A program's path: from $PATH, leaving out npm's node_modules/.bin folders (under `npm run`,
 * `nft` there is a JavaScript tool of that name), then (`sbin`) the system folders a plain
 * user's PATH may lack; undefined when there is none.
 */
function findProgram(name: string, sbin: boolean): string | undefined {
  const dirs = (process.env.PATH ?? "").split(":").filter((d) => d !== "" && !d.includes("node_modules"));
  if (sbin) dirs.push("/usr/sbin", "/sbin", "/usr/bin", "/bin");
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A system error as libvirt reports one (no prefix; the cause after a colon). */
const systemError = (message: string, domain: number = ErrorDomain.VIR_FROM_NONE) => new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, domain, message);

/** Runs a program; its failure's message (the kernel's answer when `ip` gives one), or undefined on success. */
function run(name: string, args: string[], input?: string): string | undefined {
  // dnsmasq as libvirt finds it (PATH only); the system's own tools also where PATH lacks them
  const program = findProgram(name, name !== "dnsmasq");
  if (program === undefined) return "No such file or directory";
  const r = spawnSync(program, args, { input, encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : r.error.message;
  if (r.status === 0) return undefined;
  const said = r.stderr.trim().split("\n")[0] ?? "";
  // ip: "RTNETLINK answers: File exists" → "File exists"
  return said.replace(/^RTNETLINK answers: /, "").replace(/^Error: /, "") || `exit status ${r.status}`;
}

/** The dnsmasq a network's pid file names, if it still runs (a pid reused since by another program is never signalled). */
export function runningDnsmasq(pidFile: string): number | undefined {
  const pid = Number(readText(pidFile)?.trim());
  return pid > 0 && processRunning(pid) && processCommandLine(pid).includes("dnsmasq") ? pid : undefined;
}

/** One of a network's dnsmasq files: dnsmasq reads the hosts files again on SIGHUP, as the unprivileged user it has become. */
export function writeNetworkFile(path: string, content: string): void {
  writeAtomically(path, content, true, path.endsWith(".conf") ? 0o600 : 0o644);
}

/** IPv4 "a.b.c.d/p" as /proc/net/route writes destinations and masks: hex, host (little-endian) byte order. */
function routeWords(cidr: string): [number, number] {
  const [address, prefix] = cidr.split("/");
  const bytes = address.split(".").map(Number);
  const mask = Number(prefix) === 0 ? 0 : (0xffffffff << (32 - Number(prefix))) >>> 0;
  const value = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const swap = (v: number) => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
  return [swap(value & mask), swap(mask)];
}

/** libvirt's networkCheckRouteCollision: a subnet the host already routes exactly so is in use. */
function routesFree(cidrs: string[]): void {
  let table: string;
  try {
    table = readFileSync("/proc/net/route", "utf8");
  } catch {
    return; // (libvirt passes when it cannot read the table)
  }
  const lines = table.split("\n");
  if (!lines[0]?.startsWith("Iface")) return;
  for (const line of lines.slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const destination = parseInt(f[1], 16) >>> 0;
    const mask = parseInt(f[7], 16) >>> 0;
    for (const cidr of cidrs) {
      const [net, netMask] = routeWords(cidr);
      if (destination === net && mask === netMask) throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NONE, `internal error: Network is already in use by interface ${f[0]}`);
    }
  }
}

function writeValue(path: string, value: string, failure: string): void {
  try {
    writeFileSync(path, `${value}\n`);
  } catch (e) {
    throw systemError(`${failure}: ${(e as Error).message.replace(/^[A-Z]+: /, "").replace(/, .*$/, "")}`);
  }
}

/** One start step. */
function startStep(fields: string[]): void {
  const [verb, ...a] = fields;
  switch (verb) {
    case "routes-free":
      return routesFree(a);
    case "bridge": {
      const failed = run("ip", ["link", "add", "name", a[0], ...(a[1] ? ["address", a[1]] : []), "type", "bridge"]);
      if (failed) throw systemError(`error creating bridge interface ${a[0]}: ${failed}`);
      return;
    }
    case "mtu": {
      const failed = run("ip", ["link", "set", "dev", a[0], "mtu", a[1]]);
      if (failed) throw systemError(`cannot set interface MTU on '${a[0]}': ${failed}`);
      return;
    }
    case "bridge-delay":
    case "bridge-stp": {
      // netlink, not sysfs: /sys/class/net shows the namespace sysfs was mounted in
      const failed = run("ip", ["link", "set", "dev", a[0], "type", "bridge", verb === "bridge-stp" ? "stp_state" : "forward_delay", a[1]]);
      if (failed) throw systemError(`Unable to set ${verb === "bridge-stp" ? "STP" : "STP delay"} on ${a[0]}: ${failed}`);
      return;
    }
    case "forward":
      return writeValue(a[0], "1", "failed to enable IP forwarding");
    case "write-ipv6": {
      const dir = `/proc/sys/net/ipv6/conf/${a[0]}`;
      if (!existsSync(`${dir}/disable_ipv6`)) return; // a host without IPv6
      for (const [file, value] of [["disable_ipv6", a[1]], ["accept_ra", "0"], ["autoconf", "0"]]) writeValue(`${dir}/${file}`, value, `cannot write to '${dir}/${file}' on bridge '${a[0]}'`);
      return;
    }
    case "firewall": {
      const failed = run("nft", ["-f", "-"], a[0]);
      if (failed) throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NONE, `internal error: Failed to apply firewall rules: ${failed}`);
      return;
    }
    case "address": {
      const failed = run("ip", ["address", "add", a[1], ...(a[1].includes(":") ? [] : ["broadcast", "+"]), "dev", a[0]]);
      if (failed) throw systemError(`Failed to add IP address ${a[1]} to ${a[0]}: ${failed}`);
      return;
    }
    case "up": {
      const failed = run("ip", ["link", "set", "dev", a[0], "up"]);
      if (failed) throw systemError(`Cannot set interface flags on '${a[0]}': ${failed}`);
      return;
    }
    case "route":
      run("ip", ["route", "add", a[1], "via", a[2], "dev", a[0], "metric", a[3]]); // (libvirt logs a failed route and goes on)
      return;
    case "file":
      return writeNetworkFile(a[0], a[1]);
    case "dnsmasq":
      return startDnsmasq(a[0], a[2], a[3]); // (the pid file, a[1], is named in the configuration)
    default:
      throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NETWORK, `internal error: unknown network step '${verb}'`);
  }
}

/**
 * dnsmasq with its configuration, keeping its own lease file (virtkit reads leases from it);
 * it forks, and its first process exits once the daemon has written the pid file.
 */
function startDnsmasq(conf: string, leases: string, bridge: string): void {
  const failed = run("dnsmasq", [`--conf-file=${conf}`, `--dhcp-leasefile=${leases}`]);
  if (failed === "No such file or directory") throw new VirtError(ErrorNumber.VIR_ERR_SYSTEM_ERROR, ErrorDomain.VIR_FROM_NETWORK, "Unable to find 'dnsmasq' binary in $PATH: No such file or directory");
  if (failed) throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NETWORK, `internal error: dnsmasq for bridge ${bridge} failed: ${failed}`);
}

/** One stop step: what is already gone is no failure. */
function stopStep(fields: string[]): void {
  const [verb, ...a] = fields;
  switch (verb) {
    case "stop": {
      const pid = runningDnsmasq(a[0]);
      if (pid !== undefined) process.kill(pid, "SIGTERM");
      return;
    }
    case "down":
      run("ip", ["link", "set", "dev", a[0], "down"]);
      return;
    case "firewall-remove":
      run("nft", ["-f", "-"], a[0]);
      return;
    case "delete":
      run("ip", ["link", "delete", a[0], "type", "bridge"]);
      return;
    case "kill": {
      const pid = runningDnsmasq(a[0]);
      if (pid === undefined) return;
      killProcess(pid);
      waitUntilGoneNow([pid]);
      return;
    }
    case "remove":
      for (const path of a) rmSync(path, { force: true });
      return;
    default:
      throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_NETWORK, `internal error: unknown network step '${verb}'`);
  }
}

/** Runs a start plan's steps; on a failure runs `stop` (the network's stop steps) and throws the failure. */
export function runStartSteps(steps: string[][], stop: string[][]): void {
  try {
    for (const step of steps) startStep(step);
  } catch (e) {
    runStopSteps(stop);
    throw e;
  }
}

export function runStopSteps(steps: string[][]): void {
  for (const step of steps) {
    try {
      stopStep(step);
    } catch {
      // a stop goes on: what one step leaves, the next start reports
    }
  }
}
