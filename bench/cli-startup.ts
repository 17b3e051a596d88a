// `virtkit list --all` on test:///default against the floor of any Node program (`node -e 0`)
// and against virsh when libvirt-clients is installed: whole processes, run interleaved so that
// machine noise hits each alike; medians.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../dist/cli.cjs", import.meta.url));

export interface StartupFigures {
  nodeMs: number;
  virtkitMs: number;
  virshMs?: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timed(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { stdio: ["ignore", "ignore", "inherit"] });
  if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} failed`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function measureStartup(rounds = 41): StartupFigures | undefined {
  if (!existsSync(bin)) return undefined;
  const virsh = spawnSync("virsh", ["--version"], { stdio: "ignore" }).status === 0;
  const node: number[] = [];
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < 3; i++) timed(process.execPath, [bin, "list", "--all"]); // warm the file cache
  for (let i = 0; i < rounds; i++) {
    node.push(timed(process.execPath, ["-e", "0"]));
    ours.push(timed(process.execPath, [bin, "list", "--all"]));
    if (virsh) theirs.push(timed("virsh", ["-c", "test:///default", "list", "--all"]));
  }
  return { nodeMs: median(node), virtkitMs: median(ours), virshMs: virsh ? median(theirs) : undefined };
}
