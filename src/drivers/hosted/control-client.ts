// Talking to a container's supervisor (shim/lxc-supervisor.cc): starting it on a plan, and its
// control socket (destroy, shutdown, reboot, console). The kvm VMM process speaks the same
// (docs/control-protocol.md, with where the two differ).
import { createReadStream } from "node:fs";
import { connect, type Socket } from "node:net";
import type { NativeShim } from "../../host/native.js";
import { supervisorPath } from "../../host/native.js";

/** A supervisor's start report: its init, its console's pty, its veths' outside ends (in <interface> order). */
export type StartReport = { ok: true; supervisorPid: number; initPid: number; pty: string; taps: string[] } | { ok: false; step: string; errno: number };

/**
 * How long a domain's process may take to answer on its control socket. It answers between
 * guest slices (milliseconds): one that does not is wedged, and waiting on it would hold the
 * node's lock for good. VIRTKIT_CONTROL_WAIT_MS shortens it (tests).
 */
export function controlWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.VIRTKIT_CONTROL_WAIT_MS);
  return ms > 0 ? ms : 15_000;
}

/** A domain's process did not answer (or report its start) in time. */
export class NoAnswerError extends Error {
  constructor(readonly waitedMs: number) {
    super(`no answer within ${waitedMs / 1000} s`);
  }
}

/** Calls `onTimeout` (once) unless `settled` is called within `ms`. */
function deadline(ms: number, onTimeout: () => void): () => void {
  const timer = setTimeout(onTimeout, ms);
  return () => clearTimeout(timer);
}

/**
 * Reads a started process's report to the end of its pipe: "ok" and its fields, or "error", the
 * failed step's words and an errno (tab-separated; the container supervisor and the kvm VMM).
 * A report that has not ended within `waitMs` fails with NoAnswerError, and the stream is
 * destroyed (a file stream closes its descriptor once a read in flight returns).
 */
export async function readStartReport(stream: NodeJS.ReadableStream, waitMs: number): Promise<{ ok: true; fields: string[] } | { ok: false; step: string; errno: number }> {
  const text = await new Promise<string>((resolve, reject) => {
    let data = "";
    const settled = deadline(waitMs, () => {
      reject(new NoAnswerError(waitMs));
      (stream as NodeJS.ReadableStream & { destroy?(): void }).destroy?.();
    });
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (data += chunk));
    stream.on("end", () => (settled(), resolve(data)));
    stream.on("error", (e) => (settled(), reject(e)));
  });
  const f = text.trim().split("\t");
  if (f[0] === "ok") return { ok: true, fields: f.slice(1) };
  return { ok: false, step: f.slice(1, -1).join(" "), errno: Number(f[f.length - 1]) || 0 };
}

/**
 * How long a start waits for its process's report (a container's supervisor reports once init
 * runs, a VMM once its guest does: a second or two, even nested). One that has not reported by
 * then is killed and the start fails, instead of holding the node's lock for good.
 */
export const START_WAIT_MS = 60_000;

/** A start whose process did not report: it is killed (`kill`), and this is what the failed start says. */
export function noStartReport(e: unknown, kill: () => void): { ok: false; step: string; errno: number } {
  if (!(e instanceof NoAnswerError)) return { ok: false, step: "", errno: 0 }; // a pipe that broke says no more than one that ended
  try {
    kill();
  } catch {
    // it ended as the wait did
  }
  return { ok: false, step: `no start report within ${e.waitedMs / 1000} s`, errno: 0 };
}

/**
 * Starts the supervisor (`program`: the shim's, or a stand-in of that name in tests) on a plan
 * file; resolves with its report once init is exec'd (or failed, or not within `waitMs`).
 */
export async function startSupervisor(shim: NativeShim, planFile: string, waitMs = START_WAIT_MS, program = supervisorPath()): Promise<StartReport> {
  const { pid, reportFd } = shim.spawnSupervisor(program, [program, planFile]);
  const reportPipe = createReadStream("", { fd: reportFd });
  const report = await readStartReport(reportPipe, waitMs).catch((e) => noStartReport(e, () => process.kill(pid, "SIGKILL")));
  if (report.ok) return { ok: true, supervisorPid: pid, initPid: Number(report.fields[0]), pty: report.fields[1] ?? "", taps: (report.fields[2] ?? "").split(",").filter(Boolean) };
  return { ok: false, step: report.step || "supervisor", errno: report.errno };
}

/** The reply of a domain's process to a command its guest cannot take now (a kvm:/// guest kept crashed). */
export const NOT_RUNNING_REPLY = "error domain is not running";

/**
 * Sends one command line; resolves with the supervisor's reply (it closes after answering), or
 * fails with NoAnswerError when none came within `waitMs`.
 */
export function supervisorCommand(socketPath: string, command: string, waitMs = controlWaitMs()): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = "";
    const s = connect(socketPath, () => s.write(`${command}\n`));
    const settled = deadline(waitMs, () => {
      reject(new NoAnswerError(waitMs));
      s.destroy();
    });
    s.setEncoding("utf8");
    s.on("data", (d: string) => (reply += d));
    s.on("close", () => (settled(), resolve(reply.trim())));
    s.on("error", (e) => (settled(), reject(e)));
  });
}

/** The longest first line a domain's process sends (its replies are a few words). */
const MAX_REPLY_LINE = 4096;

/**
 * Opens the console: after the supervisor's "ok" the socket carries the pty's bytes both ways.
 * Fails with the supervisor's words, with NoAnswerError after `waitMs`, or when it hangs up first.
 */
export function openConsoleSocket(socketPath: string, force: boolean, waitMs = controlWaitMs()): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath, () => s.write(force ? "console force\n" : "console\n"));
    const fail = (e: Error) => {
      settled();
      s.destroy();
      reject(e);
    };
    const settled = deadline(waitMs, () => fail(new NoAnswerError(waitMs)));
    // the first line is read in paused mode: the bytes after it go back to the stream for whoever
    // reads the console (in flowing mode they would be emitted before anyone listens)
    let head = Buffer.alloc(0);
    const onReadable = () => {
      for (let chunk: Buffer | null; (chunk = s.read() as Buffer | null) !== null; ) head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0 && head.length > MAX_REPLY_LINE) return fail(new Error("no reply line"));
      if (nl < 0) return;
      s.off("readable", onReadable);
      s.off("close", onClose); // an error after "ok" still only closes it
      const line = head.subarray(0, nl).toString("utf8");
      if (line !== "ok") return fail(new Error(line.replace(/^error /, "")));
      settled();
      const rest = head.subarray(nl + 1);
      if (rest.length > 0) s.unshift(rest);
      resolve(s);
    };
    const onClose = () => fail(new Error("closed"));
    s.on("readable", onReadable);
    s.on("close", onClose);
    s.on("error", fail);
  });
}
