// The domain's status file as a VMM process writes it (docs/control-protocol.md, "Status file"),
// for every process that looks at the node: "key value" lines, replaced whole on each change.
import { rmSync } from "node:fs";
import { processStartTicks } from "../drivers/hosted/proc.js";
import { writeAtomically } from "../drivers/hosted/text-file.js";

/** running (reason booted, paused or unpaused), crashed (panicked: kept until destroyed), or shutoff. */
export type VmmState = "running" | "crashed" | "shutoff";

/** The status file of this process's guest; vcpuThreads lists vCPU 0's thread first. */
export class StatusFile {
  /** With the pid it names this process for good; without it, readers go by the pid alone. */
  private readonly startTicks = processStartTicks("self");

  constructor(
    private readonly path: string,
    private readonly vcpuThreads: () => number[],
    private readonly paused: () => boolean,
  ) {}

  record(state: VmmState, reason: string): void {
    const started = this.startTicks === undefined ? "" : `started ${this.startTicks}\n`;
    writeAtomically(this.path, `supervisor ${process.pid}\n${started}vcpu ${this.vcpuThreads().join(" ")}\nstate ${state}\nreason ${reason}\npaused ${this.paused() ? 1 : 0}\n`);
  }

  /** A start that failed leaves no status. */
  remove(): void {
    rmSync(this.path, { force: true });
  }
}
