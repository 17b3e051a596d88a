// <run>/NAME.start: a start's intent, written before the domain's process runs and removed once
// its live definition is on disk. "owner PID STARTTICKS" and "instance TOKEN" lines, a blank
// line, then the definition being started: whoever finds the intent of an owner that is gone
// adopts the running instance or undoes it (docs/control-protocol.md, section 6).
import { processStartTicks } from "./proc.js";
import { parseStatus } from "./status-file.js";
import { readText, writeAtomically } from "./text-file.js";

/** Who starts a domain, which instance, and the definition (for whoever adopts it). */
export interface Intent {
  owner: string;
  instance: string;
  xml: string;
}

/** Records that this process (its pid and start time: the owner) starts `instance` of definition `xml`. */
export function writeIntent(path: string, instance: string, xml: string): void {
  writeAtomically(path, `owner ${process.pid} ${processStartTicks("self") ?? ""}\ninstance ${instance}\n\n${xml}`);
}

/** The intent at path; undefined when there is none. */
export function readIntent(path: string): Intent | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  const split = text.indexOf("\n\n");
  const head = parseStatus(split < 0 ? text : text.slice(0, split));
  return { owner: head.owner ?? "", instance: head.instance ?? "", xml: split < 0 ? "" : text.slice(split + 2) };
}

/**
 * A test-only hook: with VIRTKIT_TEST_STOP=POINT the process stops itself (SIGSTOP) at that point
 * of a start or destroy, so that a test can kill it there (start-intent, start-plan,
 * start-reported, destroy-answered).
 */
export function stopHere(point: string): void {
  if (process.env.VIRTKIT_TEST_STOP === point) process.kill(process.pid, "SIGSTOP");
}
