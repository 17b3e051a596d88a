// A spare VMM: a VMM process started ahead of need, with Node booted, the shim loaded and
// core.wasm instantiated, waiting for the node's next start. Starting Node is most of a cold
// start (about 300 of its 600 ms of overhead in the nested harness, against a 100 ms C loader),
// so the kvm driver keeps one spare per node: after each start it starts the next one, at the
// lowest CPU priority, and a start claims it instead of spawning a process.
//   <run>/.spare/pid        "PID MTIME SCRIPT": the spare the node expects (written by whoever
//                           started it) and its program: a start hands its plan only to a spare
//                           of its own program, unchanged since (an upgrade leaves no old spare in use)
//   <run>/.spare/PID.sock   where that spare waits, once ready (each its own: a spare that is
//                           replaced while it gets ready takes nobody's place); a claim sends
//                           PLAN_FILE and LOG_FILE as one escaped line (plan-lines.ts), and reads
//                           the same report as a cold start's fd 3 (docs/control-protocol.md)
// A spare that is not claimed within SPARE_IDLE_MS, or whose pid file stops naming it (another
// spare replaced it, the run directory went away), exits. VIRTKIT_KVM_SPARE=0 turns spares off.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, statSync } from "node:fs";
import { connect } from "node:net";
import { setPriority } from "node:os";
import { join } from "node:path";
import { openLog, readText, writeAtomically } from "../hosted/text-file.js";
import { noStartReport, readStartReport, START_WAIT_MS } from "../hosted/control-client.js";
import { decodeLine, encodeLine } from "../hosted/plan-lines.js";

/** A spare prepares at the lowest priority: it must not slow the guest that was just started. */
const SPARE_NICE = 19;

export type StartReport = Awaited<ReturnType<typeof readStartReport>>;

export function spareFiles(runDir: string): { dir: string; pid: string; socket(pid: number): string } {
  const dir = join(runDir, ".spare");
  return { dir, pid: join(dir, "pid"), socket: (pid) => join(dir, `${pid}.sock`) };
}

/** A program as the pid file names it: its file's modification time and path. */
export function programIdentity(script: string): string {
  try {
    return `${statSync(script).mtimeMs} ${script}`;
  } catch {
    return "";
  }
}

/** The pid file's spare, when it was started from `script` as it is now. */
function expectedSpare(runDir: string, script: string): number | undefined {
  const named = /^(\d+) (.*)$/.exec((readText(spareFiles(runDir).pid) ?? "").trim());
  return named && named[2] === programIdentity(script) ? Number(named[1]) : undefined;
}

/** The spare of `script` the node expects, and its socket, once it is listening. */
export function readySpare(runDir: string, script: string): { pid: number; socket: string } | undefined {
  const pid = expectedSpare(runDir, script);
  const socket = pid === undefined ? "" : spareFiles(runDir).socket(pid);
  return pid !== undefined && existsSync(socket) ? { pid, socket } : undefined;
}

export function sparesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.VIRTKIT_KVM_SPARE !== "0";
}

/** The live spare's pid, when the pid file names one started from `script` as it is now. */
export function sparePid(runDir: string, script: string, alive: (pid: number) => boolean): number | undefined {
  const pid = expectedSpare(runDir, script);
  return pid !== undefined && alive(pid) ? pid : undefined;
}

/**
 * Starts a spare for the node unless one is there already. Two processes that start one at once
 * both write the pid file: the spare it does not name leaves once ready.
 */
export function startSpare(runDir: string, program: { execArgv: string[]; script: string }, alive: (pid: number) => boolean): void {
  if (!sparesEnabled() || sparePid(runDir, program.script, alive) !== undefined) return;
  const files = spareFiles(runDir);
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  // what goes wrong before a claim (the domain's log takes over after one)
  const log = openLog(join(files.dir, "log"));
  const child = spawn(process.execPath, [...program.execArgv, program.script, "--spare", files.dir], { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  if (child.pid === undefined) return;
  try {
    setPriority(child.pid, SPARE_NICE);
  } catch {
    // it runs at the starter's priority
  }
  writeAtomically(files.pid, `${child.pid} ${programIdentity(program.script)}\n`);
  child.unref();
}

/** A claim's line: where the domain's plan is, and where its log goes (any path, escaped). */
export function claimLine(planFile: string, logFile: string): string {
  return encodeLine([planFile, logFile]);
}

/** The paths a claim's line names (its bytes read as UTF-8, as the driver wrote them). */
export function claimedFiles(line: string): { planFile: string; logFile: string } {
  const [planFile = "", logFile = ""] = decodeLine(line);
  return { planFile, logFile };
}

/**
 * Hands a start to the node's spare: resolves with its report (its pid is the domain's), or with
 * undefined when no spare is ready (the caller starts a process of its own).
 */
export function claimSpare(runDir: string, script: string, planFile: string, logFile: string, waitMs = START_WAIT_MS): Promise<StartReport | undefined> {
  const spare = sparesEnabled() ? readySpare(runDir, script) : undefined;
  if (!spare) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = connect(spare.socket);
    socket.once("error", () => resolve(undefined));
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      socket.write(`${claimLine(planFile, logFile)}\n`);
      // once claimed, a broken connection is a failed start, as a cold start's broken pipe;
      // a claimed spare that does not report (it holds the connection open) is killed
      resolve(readStartReport(socket, waitMs).catch((e) => noStartReport(e, () => process.kill(spare.pid, "SIGKILL"))));
    });
  });
}
