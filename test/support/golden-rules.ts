// How virsh's golden transcripts are read on this machine: where virtkit's test driver follows
// libvirt's real drivers instead of its test driver, the host name, and where save images go.
// Shared by the replays through virtkit's CLI and through real virsh against virtkitd.
import { hostname } from "node:os";
import { asWithDaemon, type Transcript } from "./cli.js";

const NOT_RUNNING_TEST = "error: internal error: domain 'small' not running\n";
const NOT_RUNNING_REAL = "error: Requested operation is not valid: domain is not running\n";
const UNDEFINE_TRANSIENT_REFUSED = "error: Failed to undefine domain 'small'\nerror: Requested operation is not valid: cannot undefine transient domain\n";

/**
 * Where libvirt's test driver and its real drivers disagree, virtkit's test driver follows the
 * real drivers (issue 3; the qemu-* and lxc transcripts show their rule and wording), so these
 * transcripts are compared with the real drivers' answer in place of the test driver's.
 */
const REAL_DRIVER_RULES: Record<string, (t: Transcript) => Transcript> = {
  // qemu-suspend-inactive.txt, qemu-shutdown-inactive.txt, lxc-flow.txt
  "err-suspend-inactive.txt": (t) => ({ ...t, stderr: t.stderr.replace(NOT_RUNNING_TEST, NOT_RUNNING_REAL) }),
  "err-shutdown-inactive.txt": (t) => ({ ...t, stderr: t.stderr.replace(NOT_RUNNING_TEST, NOT_RUNNING_REAL) }),
  // qemu-undefine-transient-running.txt: a running transient domain cannot be undefined
  "err-undefine-transient-running.txt": (t) => ({ ...t, stdout: t.stdout.replace("Domain 'small' has been undefined\n\n", "\n"), stderr: UNDEFINE_TRANSIENT_REFUSED, status: 1 }),
  "flow-undefine-transient-running-then-list.txt": (t) => ({ ...t, stdout: t.stdout.replace("Domain 'small' has been undefined\n\n", "\n"), stderr: UNDEFINE_TRANSIENT_REFUSED }),
};

/** Adjusts a transcript to this machine: its host name, and a writable place (saveDir) for save images. */
export function localizedGolden(name: string, t: Transcript, saveDir: string): Transcript {
  const local = (s: string) => s.replaceAll("/var/tmp/anchor/", `${saveDir}/`);
  let out = { args: t.args.map(local), stdout: local(t.stdout), stderr: local(t.stderr), status: t.status };
  if (name === "hostname.txt") out = { ...out, stdout: out.stdout.replace(/^vm\n/, `${hostname()}\n`) };
  return asWithDaemon(REAL_DRIVER_RULES[name]?.(out) ?? out);
}

