// Running Debian's real virsh (libvirt-clients) as a client of virtkitd in tests.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Transcript } from "./cli.js";

/** A program's path from PATH or the system directories, or undefined. */
export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":").filter((d) => d && !d.includes("node_modules")), "/usr/bin", "/usr/sbin", "/bin", "/sbin"];
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

/**
 * Runs virsh asynchronously (the daemon under test may share this process's event loop), in the C
 * locale and without starting a libvirt daemon of its own.
 */
export function runVirsh(virsh: string, args: readonly string[], cwd: string, input?: string): Promise<Transcript> {
  return new Promise((resolve) => {
    const child = execFile(virsh, args, { cwd, encoding: "utf8", env: { ...process.env, LC_ALL: "C", LIBVIRT_AUTOSTART: "0" } }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ args: [...args], stdout, stderr, status });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}
