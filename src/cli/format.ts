// Values as virsh prints and reads them: state and reason words, scaled sizes.
export { strerror } from "../errno.js";

const STATE_WORDS = ["no state", "running", "idle", "paused", "in shutdown", "shut off", "crashed", "pmsuspended"];

/** virsh's word for a virDomainState. */
/** virsh's yes/no for a flag. */
export const yesNo = (b: boolean): string => (b ? "yes" : "no");

export function stateWord(state: number): string {
  return STATE_WORDS[state] ?? "no state";
}

/** virsh's words for each state's reasons, indexed by the reason's value. */
const REASON_WORDS: Record<number, string[]> = {
  1: ["unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled", "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed"],
  2: ["unknown"],
  3: ["unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog", "from snapshot", "shutting down", "creating snapshot", "crashed", "starting up", "post-copy", "post-copy failed", "api error"],
  4: ["unknown", "user"],
  5: ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"],
  6: ["unknown", "panicked"],
  7: ["unknown"],
};

export function reasonWord(state: number, reason: number): string {
  return REASON_WORDS[state]?.[reason] ?? "unknown";
}

/**
 * A non-negative integer with an optional unit (libvirt's virScaleInteger): no suffix means
 * `scale` bytes per unit; b/B bytes; k, M, G, T, P, E (with optional "iB") powers of 1024;
 * "KB", "MB"... powers of 1000. Returns bytes, or undefined when malformed or above max.
 */
export function parseScaledInteger(text: string, scale: number, max: number): number | undefined {
  const m = /^\s*\+?(\d+)(.*)$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const suffix = m[2];
  let unit = scale;
  if (suffix === "b" || suffix === "B") {
    unit = 1;
  } else if (suffix !== "") {
    const power = "kmgtpe".indexOf(suffix[0].toLowerCase()) + 1;
    const rest = suffix.slice(1);
    const base = rest === "" || rest.toLowerCase() === "ib" ? 1024 : rest.toLowerCase() === "b" ? 1000 : 0;
    if (power === 0 || base === 0) return undefined;
    unit = base ** power;
  }
  if (value > max / unit) return undefined;
  return value * unit;
}

/** Bytes as virsh's vshPrettyCapacity scales them, with the caller's decimals ("100.00 GiB", "3.000 MiB"). */
export function prettyCapacity(bytes: number, decimals: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(decimals)} ${units[unit]}`;
}
