// The remote protocol's figures (issue 18): virDomainGetInfo round trips from python3-libvirt to
// virtkitd and to libvirtd (its test driver, on a private socket), the TS remote client against
// python3-libvirt on libvirtd, and 64 concurrent clients doing lookups on both daemons. A daemon
// that does no work at all (bench/fixtures/zero-work-daemon.c) shows how fast the client itself
// can go: one call at a time, the client, not the daemon, sets the pace.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openConnection } from "../src/index.js";
import { filesAppear } from "../test/support/files.js";
import { startLibvirtd } from "../test/support/libvirtd.js";
import { tempDir } from "../test/support/temp.js";
import { findProgram } from "../test/support/virsh.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const PYTHON = "/usr/bin/python3";
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

async function startVirtkitd(): Promise<{ socket: string; child: ChildProcess }> {
  const dir = tempDir("vkd-bench");
  const child = spawn(process.execPath, [join(here, "..", "dist", "virtkitd.cjs"), "--socket-dir", dir], { stdio: "ignore" });
  await filesAppear(dir, "libvirt-sock-ro");
  return { socket: join(dir, "libvirt-sock"), child };
}

/** The zero-work daemon, compiled here (undefined without a C compiler). */
async function startZeroWork(): Promise<{ socket: string; child: ChildProcess } | undefined> {
  const cc = findProgram("cc") ?? findProgram("gcc");
  if (!cc) return undefined;
  const dir = tempDir("zero-work");
  const binary = join(dir, "zero-work-daemon");
  if (spawnSync(cc, ["-O2", "-o", binary, join(here, "fixtures", "zero-work-daemon.c"), "-lpthread"]).status !== 0) return undefined;
  const child = spawn(binary, [join(dir, "sock")], { stdio: "ignore" });
  await filesAppear(dir, "sock");
  return { socket: join(dir, "sock"), child };
}

function python(socket: string, calls: number, threads: number): number {
  const run = spawnSync(PYTHON, [join(here, "libvirt-remote-calls.py"), `test+unix:///default?socket=${socket}`, String(calls), String(threads)], { encoding: "utf8" });
  const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  return line ? (JSON.parse(line.slice(7)) as { perSecond: number }).perSecond : NaN;
}

/** The TS client: getInfo calls, `inFlight` at a time on one connection, median of 5 rounds. */
async function tsClient(socket: string, calls: number, inFlight: number): Promise<number> {
  const conn = await openConnection(`test+unix:///default?socket=${socket}`);
  const dom = await conn.lookupByName("test");
  for (let i = 0; i < 3000; i++) await dom.getInfo(); // V8 compiles the call path first
  const rates: number[] = [];
  for (let round = 0; round < 6; round++) {
    let left = calls;
    const start = performance.now();
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (left-- > 0) await dom.getInfo();
    }));
    if (round > 0) rates.push(calls / ((performance.now() - start) / 1000)); // the first warms up
  }
  await conn.close();
  return rates.sort((a, b) => a - b)[2];
}

/**
 * The TS client and python3-libvirt, one call at a time on the same daemon, measured in turn three
 * times (the machine's pace drifts over a minute): the median pair by ratio.
 */
async function tsAgainstPython(socket: string): Promise<{ ts: number; python: number; ratio: number; ratios: number[] }> {
  const pairs: { ts: number; python: number; ratio: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const theirs = python(socket, 5000, 1);
    const ours = await tsClient(socket, 5000, 1);
    pairs.push({ ts: ours, python: theirs, ratio: ours / theirs });
  }
  const ratios = pairs.map((p) => p.ratio);
  return { ...pairs.sort((a, b) => a.ratio - b.ratio)[1], ratios };
}

/** 64 connections, each looking domains up one call at a time: calls/s and the 99th percentile. */
async function crowd(socket: string, perClient: number): Promise<{ perSecond: number; p99Ms: number }> {
  const conns = await Promise.all(Array.from({ length: 64 }, () => openConnection(`test+unix:///default?socket=${socket}`)));
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    conns.map(async (conn) => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        await conn.lookupByName("test");
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(conns.map((c) => c.close()));
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / seconds, p99Ms: latencies[Math.floor(latencies.length * 0.99)] };
}

export async function reportRemote(): Promise<void> {
  if (!existsSync(join(here, "..", "dist", "virtkitd.cjs"))) return void console.log("remote protocol: dist/virtkitd.cjs is missing (run npm run build)");
  const havePython = spawnSync(PYTHON, ["-c", "import libvirt"], { stdio: "ignore" }).status === 0;
  if (!havePython || !findProgram("libvirtd")) return void console.log("remote protocol: needs Debian's python3-libvirt and libvirtd (libvirt-daemon) for libvirt's side");
  const virtkitd = await startVirtkitd();
  const libvirtd = await startLibvirtd();
  const zero = await startZeroWork();
  try {
    const ours = python(virtkitd.socket, 5000, 1);
    const theirs = python(libvirtd.socket, 5000, 1);
    console.log(`virDomainGetInfo, python3-libvirt, one call at a time: virtkitd ${fmt(ours)}/s   libvirtd ${fmt(theirs)}/s   ratio ${(ours / theirs).toFixed(2)}x (target >= 2x)`);
    if (zero) {
      const ceiling = python(zero.socket, 5000, 1);
      console.log(`  the same client against a daemon that does no work: ${fmt(ceiling)}/s, ${(ceiling / theirs).toFixed(2)}x libvirtd: the client sets the pace`);
      console.log(`  time the daemon adds to each call: virtkitd ${((1 / ours - 1 / ceiling) * 1e6).toFixed(1)} us   libvirtd ${((1 / theirs - 1 / ceiling) * 1e6).toFixed(1)} us`);
    }
    const oursThreads = python(virtkitd.socket, 2000, 16);
    const theirsThreads = python(libvirtd.socket, 2000, 16);
    console.log(`virDomainGetInfo, python3-libvirt, 16 threads on one connection: virtkitd ${fmt(oursThreads)}/s   libvirtd ${fmt(theirsThreads)}/s   ratio ${(oursThreads / theirsThreads).toFixed(2)}x`);
    const oursPipelined = await tsClient(virtkitd.socket, 20000, 64);
    const theirsPipelined = await tsClient(libvirtd.socket, 20000, 64);
    console.log(`virDomainGetInfo, TS client, 64 calls in flight on one connection: virtkitd ${fmt(oursPipelined)}/s   libvirtd ${fmt(theirsPipelined)}/s   ratio ${(oursPipelined / theirsPipelined).toFixed(2)}x`);
    const paired = await tsAgainstPython(libvirtd.socket);
    console.log(`TS client vs python3-libvirt, both on libvirtd, one call at a time: ${fmt(paired.ts)}/s vs ${fmt(paired.python)}/s   ratio ${paired.ratio.toFixed(2)}x (target >= 1x; median of 3 pairs, ${paired.ratios.map((r) => r.toFixed(2)).join(" ")})`);
    const crowdOurs = await crowd(virtkitd.socket, 300);
    const crowdTheirs = await crowd(libvirtd.socket, 300);
    console.log(`64 clients doing lookups (TS client): virtkitd ${fmt(crowdOurs.perSecond)}/s, p99 ${crowdOurs.p99Ms.toFixed(2)} ms   libvirtd ${fmt(crowdTheirs.perSecond)}/s, p99 ${crowdTheirs.p99Ms.toFixed(2)} ms`);
  } finally {
    virtkitd.child.kill();
    zero?.child.kill();
    await libvirtd.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await reportRemote();
