// The domain's status file as a VMM process writes it (docs/control-protocol.md, "Status file"),
// for every process that looks at the node: "key value" lines, replaced whole on each change.
import { rmSync } from "node:fs";
import { processStartTicks } from "../drivers/hosted/proc.js";
import { writeAtomically } from "../drivers/hosted/text-file.js";

/**
 * starting (from the moment the plan is read: whoever adopts a start whose starter died finds
 * this process), running (reason booted, paused or unpaused), crashed (panicked: kept until
 * destroyed), or shutoff.
 */
export type VmmState = "starting" | "running" | "crashed" | "shutoff";

/** The status file of this process's guest; vcpuThreads lists vCPU 0's thread first. */
export class StatusFile {
  /** With the pid it names this process for good; without it, readers go by the pid alone. */
  private readonly startTicks = processStartTicks("self");

  /** path: this instance's own status file (its token is in the name). */
  constructor(
    private readonly path: string,
    private readonly instance: string,
    private readonly vcpuThreads: () => number[],
    private readonly paused: () => boolean,
    private readonly pty: () => string | undefined = () => undefined,
    private readonly taps: () => string[] = () => [],
  ) {}

  record(state: VmmState, reason: string): void {
    const started = this.startTicks === undefined ? "" : `started ${this.startTicks}\n`;
    const instance = this.instance === "" ? "" : `instance ${this.instance}\n`;
    const pty = this.pty() ? `pty ${this.pty()}\n` : "";
    const taps = this.taps().length > 0 ? `taps ${this.taps().join(",")}\n` : "";
    writeAtomically(this.path, `supervisor ${process.pid}\n${started}${instance}vcpu ${this.vcpuThreads().join(" ")}\nstate ${state}\nreason ${reason}\npaused ${this.paused() ? 1 : 0}\n${pty}${taps}`);
  }

  /** A start that failed leaves no status. */
  remove(): void {
    rmSync(this.path, { force: true });
  }
}
