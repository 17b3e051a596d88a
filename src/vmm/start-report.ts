// The start report a VMM process gives whoever started it (docs/control-protocol.md, "Start
// report"): "ok\tPID[\tPTY[\tTAPS]]" once the guest runs, or "error\tSTEP\tERRNO" when it could not start.
// A cold start reads it on fd 3, a spare's claim on the claiming connection.
import { closeSync, writeSync } from "node:fs";

const REPORT_FD = 3;

/** Reports the start on fd 3, then closes it: the starter reads to the end of the pipe. */
export function reportOnFd3(line: string): void {
  try {
    writeSync(REPORT_FD, `${line}\n`);
    closeSync(REPORT_FD);
  } catch {
    // the starter went away; the status file still says what happened
  }
}

/** The guest runs: this process's pid (the domain's id), the serial line's pty if it has one, and its NICs' taps (comma-separated). */
export function startedReport(pty: string | undefined, taps: string[] = []): string {
  if (taps.length > 0) return `ok\t${process.pid}\t${pty ?? ""}\t${taps.join(",")}`;
  return `ok\t${process.pid}${pty ? `\t${pty}` : ""}`;
}

/** A step that failed, as "error\tSYSCALL [PATH]\tERRNO" (or the error's message, errno 0). */
export function failedReport(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return `error\t${err.syscall ? `${err.syscall}${err.path ? ` ${err.path}` : ""}` : err.message}\t${Math.abs(err.errno ?? 0)}`;
}

/** The control socket could not be bound or listened on. */
export function controlSocketReport(path: string, e: NodeJS.ErrnoException): string {
  return `error\tcontrol socket ${path}\t${e.errno ? Math.abs(e.errno) : 0}`;
}
