// A private libvirtd (Debian's libvirt-daemon) for tests: its own config and socket directory, no
// system service, and an empty driver directory so it loads no hypervisor modules (only the test
// driver built into libvirt itself answers). It is ready when its socket appears.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { filesAppear } from "./files.js";
import { findProgram } from "./virsh.js";
import { tempDir } from "./temp.js";

export const libvirtdPath = findProgram("libvirtd");

export interface PrivateLibvirtd {
  socket: string;
  stop(): Promise<void>;
}

export async function startLibvirtd(): Promise<PrivateLibvirtd> {
  const dir = tempDir("lvd");
  const drivers = join(dir, "drivers");
  mkdirSync(drivers);
  const conf = join(dir, "libvirtd.conf");
  writeFileSync(conf, `unix_sock_dir = "${dir}"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n`);
  const socket = join(dir, "libvirt-sock");
  // as root libvirtd makes a read-only socket too, then it is ready; a user's has only the one
  const ready = filesAppear(dir, ...(process.getuid?.() === 0 ? ["libvirt-sock", "libvirt-sock-ro"] : ["libvirt-sock"]));
  const child: ChildProcess = spawn(libvirtdPath!, ["-f", conf, "--pid-file", join(dir, "pid")], {
    env: { ...process.env, LIBVIRT_DRIVER_DIR: drivers, XDG_CONFIG_HOME: join(dir, "config"), XDG_CACHE_HOME: join(dir, "cache"), XDG_RUNTIME_DIR: dir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (b: Buffer) => (log += b.toString()));
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`libvirtd exited (${code}): ${log}`))));
  await Promise.race([ready, exited]);
  return {
    socket,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
