// Talking to a container's supervisor (shim/lxc-supervisor.cc): starting it on a plan, and its
// control socket (destroy, shutdown, reboot, console). The kvm VMM process speaks the same.
import { closeSync, createReadStream } from "node:fs";
import { connect, type Socket } from "node:net";
import type { NativeShim } from "../../host/native.js";
import { supervisorPath } from "../../host/native.js";

export type StartReport = { ok: true; supervisorPid: number; initPid: number; pty: string } | { ok: false; step: string; errno: number };

/**
 * Reads a started process's report to the end of its pipe: "ok" and its fields, or "error", the
 * failed step's words and an errno (tab-separated; the container supervisor and the kvm VMM).
 */
export async function readStartReport(stream: NodeJS.ReadableStream): Promise<{ ok: true; fields: string[] } | { ok: false; step: string; errno: number }> {
  const text = await new Promise<string>((resolve, reject) => {
    let data = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (data += chunk));
    stream.on("end", () => resolve(data));
    stream.on("error", reject);
  });
  const f = text.trim().split("\t");
  if (f[0] === "ok") return { ok: true, fields: f.slice(1) };
  return { ok: false, step: f.slice(1, -1).join(" "), errno: Number(f[f.length - 1]) || 0 };
}

/** Starts the supervisor on a plan file; resolves with its report once init is exec'd (or failed). */
export async function startSupervisor(shim: NativeShim, planFile: string): Promise<StartReport> {
  const { pid, reportFd } = shim.spawnSupervisor(supervisorPath(), [supervisorPath(), planFile]);
  const report = await readStartReport(createReadStream("", { fd: reportFd, autoClose: false })).finally(() => closeSync(reportFd));
  if (report.ok) return { ok: true, supervisorPid: pid, initPid: Number(report.fields[0]), pty: report.fields[1] ?? "" };
  return { ok: false, step: report.step || "supervisor", errno: report.errno };
}

/** The reply of a domain's process to a command its guest cannot take now (a kvm:/// guest kept crashed). */
export const NOT_RUNNING_REPLY = "error domain is not running";

/** Sends one command line; resolves with the supervisor's reply (it closes after answering). */
export function supervisorCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = "";
    const s = connect(socketPath, () => s.write(`${command}\n`));
    s.setEncoding("utf8");
    s.on("data", (d: string) => (reply += d));
    s.on("close", () => resolve(reply.trim()));
    s.on("error", reject);
  });
}

/** Opens the console: after the supervisor's "ok" the socket carries the pty's bytes both ways. */
export function openConsoleSocket(socketPath: string, force: boolean): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath, () => s.write(force ? "console force\n" : "console\n"));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0) return;
      s.off("data", onData);
      const line = head.subarray(0, nl).toString("utf8");
      if (line !== "ok") {
        s.destroy();
        reject(new Error(line.replace(/^error /, "")));
        return;
      }
      const rest = head.subarray(nl + 1);
      if (rest.length > 0) s.unshift(rest);
      resolve(s);
    };
    s.on("data", onData);
    s.once("error", reject);
  });
}
