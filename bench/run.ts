// npm run bench: virtkit's figures, and libvirt's measured in the same run when python3-libvirt
// is installed (Debian's /usr/bin/python3), with the ratio. Medians of several rounds.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalizeDomainXML } from "../src/index.js";
import { Core } from "../src/host/core.js";
import { fixturePath } from "../test/support/fixtures.js";
import { measureDomains } from "./domains.js";
import { measureStartup } from "./cli-startup.js";
import { reportKvm } from "./kvm.js";
import { measureLxc } from "./lxc.js";
import { reportNodeState } from "./node-state.js";
import { reportNetworks } from "./network-figures.js";
import { reportRemote } from "./remote.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const fixture = join(here, "fixtures", "virt-install.xml");
const virtInstallXml = readFileSync(fixture, "utf8");
/** libvirt 9.0 on this machine (reference/libvirt-anchor.md), shown when python3-libvirt is absent. */
const LIBVIRT_ANCHOR_PER_SECOND = 3804;
const LIBVIRT_ANCHOR_DOMAINS = { cycles: 6033, xmlDesc: 131461, listAllMs: 26.6 };

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs fn `iterations` times per round, returns calls per second (median of rounds). */
function rate(fn: () => void, iterations: number, rounds = 7): number {
  for (let i = 0; i < iterations / 4; i++) fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    rates.push(iterations / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return median(rates);
}

function libvirtInstalled(): boolean {
  return spawnSync("/usr/bin/python3", ["-c", "import libvirt"], { stdio: "ignore" }).status === 0;
}

function libvirtDomainFigures(): typeof LIBVIRT_ANCHOR_DOMAINS | undefined {
  if (!libvirtInstalled()) return undefined;
  const run = spawnSync("/usr/bin/python3", [join(here, "libvirt-domains.py")], { encoding: "utf8" });
  return run.status === 0 ? JSON.parse(run.stdout) : undefined;
}

function libvirtDefineRate(): number | undefined {
  if (!libvirtInstalled()) return undefined;
  const run = spawnSync("/usr/bin/python3", [join(here, "libvirt-define.py"), fixture, "3000"], { encoding: "utf8" });
  return run.status === 0 ? Number(run.stdout.trim()) : undefined;
}

function corpusDocuments(): string[] {
  const root = fixturePath("libvirt", "tests");
  const docs: string[] = [];
  for (const dir of ["genericxml2xmlindata", "lxcxml2xmldata", "qemuxmlconfdata"]) {
    try {
      for (const f of readdirSync(join(root, dir))) docs.push(readFileSync(join(root, dir, f), "utf8"));
    } catch {
      // the corpus is optional for the benchmark
    }
  }
  return docs;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(`virt-install domain: ${virtInstallXml.length} bytes`);

const ours = rate(() => canonicalizeDomainXML(virtInstallXml), 20000);
const target = LIBVIRT_ANCHOR_PER_SECOND * 10;
console.log(`parse+validate+format (canonicalizeDomainXML): ${fmt(ours)}/s (target >= ${fmt(target)}/s)`);
const libvirt = libvirtDefineRate();
if (libvirt !== undefined) {
  console.log(`libvirt defineXML, same document, this run:    ${fmt(libvirt)}/s   ratio ${(ours / libvirt).toFixed(1)}x`);
} else {
  console.log(`libvirt defineXML (python3-libvirt not installed; anchor figure): ${fmt(LIBVIRT_ANCHOR_PER_SECOND)}/s   ratio ${(ours / LIBVIRT_ANCHOR_PER_SECOND).toFixed(1)}x`);
}

const docs = corpusDocuments();
if (docs.length > 0) {
  const core = new Core();
  const bytes = docs.reduce((n, d) => n + Buffer.byteLength(d), 0);
  const parsePerSecond = rate(() => {
    for (const d of docs) {
      try {
        core.parseXML(d);
      } catch {
        // every corpus document is well-formed; nothing to do
      }
    }
  }, 20);
  const canonPerSecond = rate(() => {
    for (const d of docs) {
      try {
        core.canonicalize(d);
      } catch {
        // must-fail corpus cases
      }
    }
  }, 10);
  console.log(`raw parse throughput over the corpus (${docs.length} documents, ${fmt(bytes)} bytes): ${(parsePerSecond * bytes / 1e6).toFixed(1)} MB/s (target >= 50 MB/s)`);
  console.log(`canonicalize throughput over the corpus: ${(canonPerSecond * bytes / 1e6).toFixed(1)} MB/s`);
}

console.log("");
const domains = await measureDomains();
const theirs = libvirtDomainFigures();
const source = theirs ? "libvirt, this run" : "libvirt anchor (python3-libvirt not installed)";
const base = theirs ?? LIBVIRT_ANCHOR_DOMAINS;
console.log(`define+create+destroy+undefine cycles: ${fmt(domains.cycles)}/s (target >= 30,000/s)   ${source}: ${fmt(base.cycles)}/s   ratio ${(domains.cycles / base.cycles).toFixed(1)}x`);
console.log(`getXMLDesc: ${fmt(domains.xmlDesc)}/s (target >= 131,000/s)   ${source}: ${fmt(base.xmlDesc)}/s   ratio ${(domains.xmlDesc / base.xmlDesc).toFixed(1)}x`);
console.log(`listAllDomains of 10,001 domains: ${domains.listAllMs.toFixed(2)} ms (target <= 5 ms)   ${source}: ${base.listAllMs.toFixed(1)} ms   ratio ${(base.listAllMs / domains.listAllMs).toFixed(1)}x faster`);

console.log("");
const startup = measureStartup();
if (startup === undefined) {
  console.log("virtkit list --all: dist/cli.cjs is missing (run npm run build)");
} else {
  const ratio = startup.virtkitMs / startup.nodeMs;
  console.log(`virtkit list --all: ${startup.virtkitMs.toFixed(1)} ms   node -e 0: ${startup.nodeMs.toFixed(1)} ms   ratio ${ratio.toFixed(2)} (target <= 1.25)`);
  if (startup.virshMs !== undefined) console.log(`virsh list --all, this run: ${startup.virshMs.toFixed(1)} ms   virtkit/virsh ${(startup.virtkitMs / startup.virshMs).toFixed(2)}x`);
  else console.log("virsh list --all: libvirt-clients not installed (virsh took 37-51 ms on the reference machine)");
}

console.log("");
const lxc = await measureLxc();
if (lxc === undefined) {
  console.log("lxc:/// start/destroy: needs root");
} else {
  const anchor = "libvirt-lxc here: start 74.9 ms, destroy 203.5 ms";
  console.log(`lxc:/// start: ${lxc.startMs.toFixed(1)} ms (target <= 10 ms)   destroy: ${lxc.destroyMs.toFixed(1)} ms (target <= 20 ms)   medians of 20   (${anchor})`);
  console.log(`lxc:/// with a network namespace: start ${lxc.startNetnsMs.toFixed(1)} ms   destroy ${lxc.destroyNetnsMs.toFixed(1)} ms`);
  console.log(`supervisor per running container: ${lxc.supervisorRssKiB} KiB RSS (target <= 5 MiB; libvirt_lxc: 20 MB)`);
}

console.log("");
reportNetworks();

console.log("");
await reportRemote();

console.log("");
await reportNodeState();

console.log("");
await reportKvm();
