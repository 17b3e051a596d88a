// A hosted node's state on disk as it grows (kvm:///: definitions need no /dev/kvm, but root):
// 500 defines then 500 undefines through the API in one process, and `list --all` with 1,000
// definitions against one, both on an open connection (listAllDomains) and as a fresh
// `virtkit list --all` process. Reports nothing without root.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

export interface NodeStateFigures {
  define500Ms: number;
  undefine500Ms: number;
  /** listAllDomains on an open connection: with one definition, with 1,000. */
  listOneMs: number;
  listThousandMs: number;
  /** A fresh `virtkit list --all` process (undefined without dist/cli.cjs). */
  cliOneMs?: number;
  cliThousandMs?: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const xml = (i: number) => `<domain type='kvm'><name>state${i}</name><memory unit='MiB'>64</memory><os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os></domain>`;

export async function measureNodeState(): Promise<NodeStateFigures | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const state = mkdtempSync(join(tmpdir(), "virtkit-bench-state-"));
  const env = { ...process.env, VIRTKIT_CONFIG_DIR: join(state, "etc"), VIRTKIT_RUN_DIR: join(state, "run") };
  Object.assign(process.env, { VIRTKIT_CONFIG_DIR: env.VIRTKIT_CONFIG_DIR, VIRTKIT_RUN_DIR: env.VIRTKIT_RUN_DIR });
  const { openConnection } = await import("../src/index.js");
  const conn = await openConnection("kvm:///system");
  const cli = fileURLToPath(new URL("../dist/cli.cjs", import.meta.url));
  const listing = async () => {
    const times: number[] = [];
    for (let r = 0; r < 15; r++) {
      const t = performance.now();
      await conn.listAllDomains();
      times.push(performance.now() - t);
    }
    return median(times);
  };
  const listOnce = (nodeEnv: NodeJS.ProcessEnv) => {
    const t = performance.now();
    const run = spawnSync(process.execPath, [cli, "-c", "kvm:///system", "list", "--all"], { env: nodeEnv, stdio: "ignore" });
    if (run.status !== 0) throw new Error("virtkit list --all failed");
    return performance.now() - t;
  };
  // the two nodes' runs alternate, so that the machine's drift (other load) falls on both alike
  const fresh = (one: NodeJS.ProcessEnv) => {
    if (!existsSync(cli)) return [undefined, undefined];
    const [ones, thousands]: number[][] = [[], []];
    for (let r = 0; r < 15; r++) {
      ones.push(listOnce(one));
      thousands.push(listOnce(env));
    }
    return [median(ones), median(thousands)];
  };
  try {
    let t = performance.now();
    const doms = [];
    for (let i = 0; i < 500; i++) doms.push(await conn.defineXML(xml(i)));
    const define500Ms = performance.now() - t;
    t = performance.now();
    for (const dom of doms) await dom.undefine();
    const undefine500Ms = performance.now() - t;

    await conn.defineXML(xml(0));
    const listOneMs = await listing();
    // a copy of the node as it is now, with its one definition, for the fresh processes
    cpSync(env.VIRTKIT_CONFIG_DIR!, join(state, "etc-one"), { recursive: true });
    const one = { ...env, VIRTKIT_CONFIG_DIR: join(state, "etc-one"), VIRTKIT_RUN_DIR: join(state, "run-one") };
    for (let i = 1; i < 1000; i++) await conn.defineXML(xml(i));
    const listThousandMs = await listing();
    const [cliOneMs, cliThousandMs] = fresh(one);
    return { define500Ms, undefine500Ms, listOneMs, listThousandMs, cliOneMs, cliThousandMs };
  } finally {
    await conn.close();
    rmSync(state, { recursive: true, force: true });
  }
}

/** The figures as `npm run bench` prints them. */
export async function reportNodeState(): Promise<void> {
  const f = await measureNodeState();
  if (f === undefined) return void console.log("hosted node state (kvm:/// definitions): needs root");
  console.log(`500 defines + 500 undefines (kvm:///, one process): ${((f.define500Ms + f.undefine500Ms) / 1000).toFixed(2)} s (defines ${f.define500Ms.toFixed(0)} ms, undefines ${f.undefine500Ms.toFixed(0)} ms; target <= 5 s)`);
  console.log(`listAllDomains, open connection: 1,000 definitions ${f.listThousandMs.toFixed(2)} ms, one ${f.listOneMs.toFixed(2)} ms`);
  if (f.cliOneMs !== undefined && f.cliThousandMs !== undefined) {
    console.log(`virtkit list --all, fresh process: 1,000 definitions ${f.cliThousandMs.toFixed(1)} ms, one ${f.cliOneMs.toFixed(1)} ms   ratio ${(f.cliThousandMs / f.cliOneMs).toFixed(2)} (target <= 1.2)`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await reportNodeState();
