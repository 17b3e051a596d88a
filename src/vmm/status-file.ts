// The domain's status file as a VMM process writes it (docs/control-protocol.md, "Status file"),
// for every process that looks at the node: "key value" lines, replaced whole on each change.
import { rmSync } from "node:fs";
import { processStartTicks, writeAtomically } from "../drivers/hosted/driver.js";

/** running (reason booted, paused or unpaused), crashed (panicked: kept until destroyed), or shutoff. */
export type VmmState = "running" | "crashed" | "shutoff";

/** What a status file says about a VMM process and its guest. */
export interface VmmStatus {
  pid: number;
  /** The process's start time (clock ticks since boot): with the pid it names this process for good. */
  startTicks: string | undefined;
  /** vCPU 0's thread first, then the other vCPUs' threads. */
  vcpuThreads: number[];
  state: VmmState;
  reason: string;
  paused: boolean;
}

export function vmmStatusText(s: VmmStatus): string {
  const started = s.startTicks === undefined ? "" : `started ${s.startTicks}\n`; // without it, readers go by the pid alone
  return `supervisor ${s.pid}\n${started}vcpu ${s.vcpuThreads.join(" ")}\nstate ${s.state}\nreason ${s.reason}\npaused ${s.paused ? 1 : 0}\n`;
}

/** The status file of this process's guest. */
export class StatusFile {
  private readonly startTicks = processStartTicks("self");

  constructor(
    private readonly path: string,
    private readonly vcpuThreads: () => number[],
    private readonly paused: () => boolean,
  ) {}

  record(state: VmmState, reason: string): void {
    writeAtomically(this.path, vmmStatusText({ pid: process.pid, startTicks: this.startTicks, vcpuThreads: this.vcpuThreads(), state, reason, paused: this.paused() }));
  }

  /** A start that failed leaves no status. */
  remove(): void {
    rmSync(this.path, { force: true });
  }
}
