// <run>/NAME.status: what a domain's process (a container's supervisor, a guest's VMM) says of
// its domain, in "key value" lines: its pid ("supervisor") and start time ("started"), "state"
// (running, crashed and kept, or shutoff) with its "reason", and what each kind adds (kvm:
// "paused", "vcpu"). The driver writes one only for an end that process could not record.
import { DomainShutoffReason } from "../../constants.js";
import { readText, writeAtomically } from "./text-file.js";

/** The shutoff reasons (virDomainShutoffReason) status files record. */
export const Shutoff = {
  UNKNOWN: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_UNKNOWN,
  SHUTDOWN: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_SHUTDOWN,
  DESTROYED: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_DESTROYED,
  CRASHED: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_CRASHED,
  FAILED: DomainShutoffReason.VIR_DOMAIN_SHUTOFF_FAILED,
} as const;

const REASONS: Record<string, number> = { shutdown: Shutoff.SHUTDOWN, destroyed: Shutoff.DESTROYED, crashed: Shutoff.CRASHED, failed: Shutoff.FAILED };

/** A status file's "key value" lines. */
export function parseStatus(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) fields[line.slice(0, space)] = line.slice(space + 1);
  }
  return fields;
}

/** The status file's fields; none when it is missing. */
export function readStatus(path: string): Record<string, string> {
  return parseStatus(readText(path) ?? "");
}

/** Whether a status file says its process still has the domain (running, or crashed and kept). */
export const activeOnDisk = (status: Record<string, string>) => status.state === "running" || status.state === "crashed";

/** The shutoff reason (virDomainShutoffReason) a status file records; unknown when it names none. */
export function shutoffReason(status: Record<string, string>): number {
  return REASONS[status.reason] ?? Shutoff.UNKNOWN;
}

/** Records the end of a domain whose process could not record it. */
export function writeShutoffStatus(path: string, reason: "destroyed" | "crashed"): void {
  writeAtomically(path, `state shutoff\nreason ${reason}\n`);
}
