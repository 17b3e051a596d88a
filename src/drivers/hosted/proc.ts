// The host's processes as proc(5) shows them (whether one runs, what it runs, when it started,
// its stat fields), and ending them.
import { readFileSync } from "node:fs";
import { readText } from "./text-file.js";

/** How long the driver waits for processes it killed to be gone (libvirt waits up to 15 s after SIGKILL). */
const KILL_WAIT_MS = 5_000;

/** Whether a process exists and has not ended (a zombie has ended). */
export function processRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** Waits (at most `ms`) until none of the processes runs; a process killed by SIGKILL ends within moments, unless stuck in the kernel. */
export async function waitUntilGone(pids: readonly number[], ms = KILL_WAIT_MS): Promise<void> {
  for (const until = Date.now() + ms; pids.some(processRunning) && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * waitUntilGone without leaving the caller's turn, for the steps that run inside a synchronous
 * look at the node (a dead process's leftovers, killed before their cgroups can go).
 */
export function waitUntilGoneNow(pids: readonly number[], ms = KILL_WAIT_MS): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const until = Date.now() + ms; pids.some(processRunning) && Date.now() < until; ) Atomics.wait(pause, 0, 0, 2);
}

/** A process's command line, its arguments NUL-separated: empty for a zombie or a process that is gone. */
export function processCommandLine(pid: number): string {
  return readText(`/proc/${pid}/cmdline`) ?? "";
}

/**
 * The fields of a /proc/PID[/task/TID]/stat file, numbered as proc(5) numbers them (1 is the pid,
 * 2 the command name, 14 utime), or undefined once the process (or thread) is gone.
 */
export function procStat(path: string): string[] | undefined {
  const stat = readText(path);
  if (stat === undefined) return undefined;
  const nameEnd = stat.lastIndexOf(")"); // the name itself may hold spaces and parentheses
  return ["", stat.slice(0, stat.indexOf(" ")), stat.slice(stat.indexOf("(") + 1, nameEnd), ...stat.slice(nameEnd + 2).split(" ")];
}

/**
 * A process's start time (field 22 of its stat file, clock ticks since boot), or undefined when
 * there is none: with its pid it names one process for good, since a pid is reused only after
 * its process ended. Domains' processes record theirs in their status files ("started").
 */
export function processStartTicks(pid: number | "self"): string | undefined {
  return procStat(`/proc/${pid}/stat`)?.[22];
}

/** SIGKILL to a process that may have ended meanwhile (then there is nothing to do). */
export function killProcess(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // it ended meanwhile
  }
}
