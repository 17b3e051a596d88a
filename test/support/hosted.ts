// What the lxc:/// and kvm:/// tests share: a connection that cleans up after a failed test, and
// the processes still running a domain's plan (its supervisor or VMM names the plan file).
import { chmodSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { openConnection, type Connection } from "../../src/index.js";
import { tempDir } from "./temp.js";
import { waitUntilGone } from "../../src/drivers/hosted/proc.js";

/** Opens uri for a test; its teardown destroys what is still running, then closes. */
export async function openForTest(t: import("ava").ExecutionContext, uri: string): Promise<Connection> {
  const conn = await openConnection(uri);
  t.teardown(async () => {
    if (!t.passed) logDomainLogs(t);
    // a failed test leaves nothing running (a frozen container, a guest) into the next one
    for (const dom of await conn.listAllDomains(1)) await dom.destroy().catch(() => undefined);
    await conn.close();
  });
  return conn;
}

/** What the domains' supervisors and VMMs wrote in their logs (for a failed test's report). */
function logDomainLogs(t: import("ava").ExecutionContext): void {
  const run = process.env.VIRTKIT_RUN_DIR;
  if (!run) return;
  for (const driver of ["lxc", "kvm"]) {
    let files: string[] = [];
    try {
      files = readdirSync(join(run, driver)).filter((f) => f.endsWith(".log"));
    } catch {
      continue;
    }
    for (const f of files) t.log(`${driver}/${f}: ${readFileSync(join(run, driver, f), "utf8").trim() || "(empty)"}`);
  }
}

/**
 * Waits for a lifecycle event, failing after `ms`: the node's watcher does not keep a process
 * alive (as fs.watch with persistent false), so the wait holds a timer meanwhile.
 */
export async function eventFrom<T>(event: Promise<T>, ms = 180_000): Promise<T> {
  let deadline: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    deadline = setTimeout(() => reject(new Error(`no lifecycle event within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([event, late]);
  } finally {
    clearTimeout(deadline);
  }
}

/** Whether a process exists and has not ended (a zombie counts as gone): the driver's own check. */
export { processRunning as processAlive } from "../../src/drivers/hosted/proc.js";

/** SIGKILL to a process, returning once it has ended: kill(2) only queues the signal, and a busy host may run the process a while longer. */
export async function killAndAwaitEnd(pid: number): Promise<void> {
  process.kill(pid, "SIGKILL");
  await waitUntilGone([pid]);
}

/** The pids whose command line names this plan file. */
export function processesRunning(planFile: string): number[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").includes(planFile);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * The processes of processesRunning after a bounded wait for none: a domain's process records
 * its end, then exits.
 */
export async function processesLeft(planFile: string, waitMs = 5000): Promise<number[]> {
  for (const until = Date.now() + waitMs; processesRunning(planFile).length > 0 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 2));
  return processesRunning(planFile);
}

/**
 * Points this test file's lxc:/// node at fresh folders under /tmp (its definitions, its run
 * directory), which a container in a user namespace can pass through as its mapped root.
 */
export function lxcTestNode(prefix: string): { base: string; runDir: string } {
  const base = tempDir(prefix, "/tmp");
  chmodSync(base, 0o711);
  process.env.VIRTKIT_CONFIG_DIR = join(base, "etc");
  process.env.VIRTKIT_RUN_DIR = join(base, "run");
  return { base, runDir: join(base, "run", "lxc") };
}

/**
 * Points this test file's kvm:/// node at fresh folders under /tmp (definitions, run and state
 * directories), with no spare VMM getting ready beside its guests (the nested host has one CPU).
 */
export function kvmTestNode(prefix: string): { base: string; runDir: string } {
  const base = tempDir(prefix, "/tmp");
  process.env.VIRTKIT_CONFIG_DIR = join(base, "etc");
  process.env.VIRTKIT_RUN_DIR = join(base, "run");
  process.env.VIRTKIT_STATE_DIR = join(base, "state");
  process.env.VIRTKIT_KVM_SPARE = "0";
  return { base, runDir: join(base, "run", "kvm") };
}

/** A domain's instances' files of a kind (NAME.TOKEN.status, NAME.TOKEN.sock), newest first. */
export function instanceFiles(runDir: string, name: string, kind: "status" | "sock"): string[] {
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.[0-9a-f]{12}\\.${kind}$`);
  return readdirSync(runDir)
    .filter((f) => pattern.test(f))
    .map((f) => join(runDir, f))
    .sort((a, b) => mtimeOf(b) - mtimeOf(a));
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** The current instance's file of a kind: the one its plan names while it runs, else the newest ("" when none). */
export function instanceFile(runDir: string, name: string, kind: "status" | "sock"): string {
  try {
    const token = /^instance\t(\S+)$/m.exec(readFileSync(join(runDir, `${name}.plan`), "utf8"))?.[1];
    if (token) return join(runDir, `${name}.${token}.${kind}`);
  } catch {
    // no plan: not running
  }
  return instanceFiles(runDir, name, kind)[0] ?? "";
}
