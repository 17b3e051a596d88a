// `virtkitd` (and `virtkit daemon`): serves virtkit's drivers to libvirt's own clients over
// libvirt's remote protocol. In the foreground until SIGTERM or SIGINT, which end it cleanly:
// clients' connections closed, sockets and the pid file removed. Running domains are left alone;
// their supervisors and VMMs own them, and a daemon started again finds them.
import { renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon } from "./server.js";

const USAGE = `Usage: virtkitd [--socket-dir DIR] [--pid-file FILE] [--default-uri URI]

  --socket-dir DIR   listen on DIR/libvirt-sock (read-write, 0600) and DIR/libvirt-sock-ro
                     (read-only, 0666); /run/libvirt gives libvirt's own paths
                     (default: /run/virtkit, or $XDG_RUNTIME_DIR/virtkit for a plain user)
  --pid-file FILE    write the daemon's pid to FILE while it runs
  --default-uri URI  what a client opening no URI gets (default: kvm:///system)
`;

interface DaemonArgs {
  socketDir: string;
  pidFile?: string;
  defaultURI?: string;
}

function defaultSocketDir(env: NodeJS.ProcessEnv): string {
  if (process.getuid?.() === 0 || !env.XDG_RUNTIME_DIR) return "/run/virtkit";
  return join(env.XDG_RUNTIME_DIR, "virtkit");
}

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DaemonArgs | string {
  const args: DaemonArgs = { socketDir: defaultSocketDir(env) };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--socket-dir") args.socketDir = value();
    else if (flag === "--pid-file") args.pidFile = value();
    else if (flag === "--default-uri") args.defaultURI = value();
    else if (flag === "--help" || flag === "-h") return USAGE;
    else return `virtkitd: unknown option '${argv[i]}'\n${USAGE}`;
    if (args.socketDir === undefined || args.pidFile === "" || args.defaultURI === "") return `virtkitd: option '${flag}' needs a value\n${USAGE}`;
  }
  return args;
}

function writePidFile(path: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${process.pid}\n`);
  renameSync(temp, path);
}

/** Runs the daemon until a signal; resolves with the exit status. */
export async function runDaemon(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseArgs(argv, env);
  if (typeof args === "string") {
    (args === USAGE ? process.stdout : process.stderr).write(args);
    return args === USAGE ? 0 : 1;
  }
  const log = (message: string) => process.stderr.write(`virtkitd: ${message}\n`);
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({ socketDir: args.socketDir, defaultURI: args.defaultURI, log });
  } catch (e) {
    log(`cannot start: ${(e as Error).message}`);
    return 1;
  }
  // a failure no call awaited is a bug to log, not a reason to drop every client
  process.on("unhandledRejection", (e) => log(`unexpected: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  if (args.pidFile) writePidFile(args.pidFile);
  return new Promise((resolve) => {
    const stop = async () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      await daemon.stop();
      if (args.pidFile) {
        try {
          unlinkSync(args.pidFile);
        } catch {
          // removed by someone else
        }
      }
      resolve(0);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
