// lxc:/// start and destroy latency through the public API (medians over 20 runs), with and
// without a network namespace, and what a running container's supervisor costs in memory.
// Needs root; reports nothing otherwise.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

export interface LxcFigures {
  startMs: number;
  destroyMs: number;
  startNetnsMs: number;
  destroyNetnsMs: number;
  supervisorRssKiB: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

export async function measureLxc(rounds = 20): Promise<LxcFigures | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const state = mkdtempSync(join(tmpdir(), "virtkit-bench-lxc-"));
  process.env.VIRTKIT_CONFIG_DIR = join(state, "etc");
  process.env.VIRTKIT_RUN_DIR = join(state, "run");
  const { openConnection } = await import("../src/index.js");
  const conn = await openConnection("lxc:///system");
  try {
    const run = async (name: string, extra: string) => {
      const dom = await conn.defineXML(
        `<domain type='lxc'><name>${name}</name><memory unit='MiB'>64</memory>${extra}<os><type>exe</type><init>/bin/sh</init></os><devices><console type='pty'/></devices></domain>`,
      );
      const starts: number[] = [];
      const destroys: number[] = [];
      let rss = 0;
      for (let i = 0; i < rounds + 2; i++) {
        let t = process.hrtime.bigint();
        await dom.create();
        const started = ms(t);
        if (i === 0) {
          const pid = await dom.getID(); // the supervisor's
          rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
        }
        t = process.hrtime.bigint();
        await dom.destroy();
        const destroyed = ms(t);
        if (i >= 2) {
          starts.push(started);
          destroys.push(destroyed);
        }
      }
      await dom.undefine();
      return { start: median(starts), destroy: median(destroys), rss };
    };
    const plain = await run("bench", "");
    const netns = await run("bench-net", "<features><privnet/></features>");
    return { startMs: plain.start, destroyMs: plain.destroy, startNetnsMs: netns.start, destroyNetnsMs: netns.destroy, supervisorRssKiB: plain.rss };
  } finally {
    await conn.close();
    rmSync(state, { recursive: true, force: true });
  }
}
