// `virtkitd` (and `virtkit daemon`): serves virtkit's drivers to libvirt's own clients over
// libvirt's remote protocol. In the foreground until SIGTERM or SIGINT, which end it cleanly:
// clients' connections closed, sockets and the pid file removed. Running domains are left alone;
// their supervisors and VMMs own them, and a daemon started again finds them.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Daemon } from "./server.js";

const USAGE = `Usage: virtkitd [--socket-dir DIR] [--pid-file FILE] [--default-uri URI]
                [--listen-tcp [HOST:]PORT] [--listen-tls [HOST:]PORT [--pki-dir DIR]]

  --socket-dir DIR   listen on DIR/libvirt-sock (read-write, 0600) and DIR/libvirt-sock-ro
                     (read-only, 0666); /run/libvirt gives libvirt's own paths
                     (default: /run/virtkit, or $XDG_RUNTIME_DIR/virtkit for a plain user)
  --pid-file FILE    write the daemon's pid to FILE while it runs
  --default-uri URI  what a client opening no URI gets (default: kvm:///system)
  --listen-tcp PORT  also listen on TCP (libvirt's port is 16509); with no way to tell who
                     calls, every connection there is read-only
  --listen-tls PORT  also listen with TLS (libvirt's port is 16514); clients need a
                     certificate the CA signed. Files as libvirt's: /etc/pki/CA/cacert.pem,
                     /etc/pki/libvirt/servercert.pem, /etc/pki/libvirt/private/serverkey.pem
  --pki-dir DIR      take cacert.pem, servercert.pem and serverkey.pem from DIR instead
`;

interface DaemonArgs {
  socketDir: string;
  pidFile?: string;
  defaultURI?: string;
  tcp?: string;
  tls?: string;
  pkiDir?: string;
}

function defaultSocketDir(env: NodeJS.ProcessEnv): string {
  if (process.getuid?.() === 0 || !env.XDG_RUNTIME_DIR) return "/run/virtkit";
  return join(env.XDG_RUNTIME_DIR, "virtkit");
}

/** Options that take a value, and where each goes. */
const VALUED: Record<string, keyof DaemonArgs> = {
  "--socket-dir": "socketDir",
  "--pid-file": "pidFile",
  "--default-uri": "defaultURI",
  "--listen-tcp": "tcp",
  "--listen-tls": "tls",
  "--pki-dir": "pkiDir",
};

function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): DaemonArgs | string {
  const args: DaemonArgs = { socketDir: defaultSocketDir(env) };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === "--help" || flag === "-h") return USAGE;
    const key = VALUED[flag];
    if (!key) return `virtkitd: unknown option '${argv[i]}'\n${USAGE}`;
    const value = inline ?? argv[++i];
    if (!value) return `virtkitd: option '${flag}' needs a value\n${USAGE}`;
    args[key] = value;
  }
  return args;
}

function writePidFile(path: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${process.pid}\n`);
  renameSync(temp, path);
}

/** "[HOST:]PORT" */
function address(text: string): { host?: string; port: number } {
  const m = /^(?:(.*):)?(\d+)$/.exec(text);
  if (!m) throw new Error(`'${text}' is not [HOST:]PORT`);
  return { host: m[1] || undefined, port: Number(m[2]) };
}

/** The TLS files, where libvirtd keeps them or in one directory. */
function tlsFiles(pkiDir: string | undefined) {
  const files = pkiDir
    ? { ca: join(pkiDir, "cacert.pem"), cert: join(pkiDir, "servercert.pem"), key: join(pkiDir, "serverkey.pem") }
    : { ca: "/etc/pki/CA/cacert.pem", cert: "/etc/pki/libvirt/servercert.pem", key: "/etc/pki/libvirt/private/serverkey.pem" };
  return { ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) };
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
    const tcp = args.tcp === undefined ? undefined : address(args.tcp);
    const tls = args.tls === undefined ? undefined : { ...address(args.tls), ...tlsFiles(args.pkiDir) };
    daemon = await Daemon.start({ socketDir: args.socketDir, defaultURI: args.defaultURI, log, tcp, tls });
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
