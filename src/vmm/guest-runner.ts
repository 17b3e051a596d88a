// A guest run by its VMM process's main thread: vCPU 0's KVM_RUN loop (with core.wasm's devices)
// in slices between turns of the event loop. A periodic kick (a POSIX timer signalling this
// thread) ends each slice, so the control socket and the console are served at least every
// SLICE_MS even while the guest computes or idles in the kernel. One V8 isolate for vCPU 0 and
// the control plane together: no worker to start, no messages between them, and commands act
// at once (vCPU 0 is never inside KVM_RUN while a command runs). Other vCPUs have threads of
// their own (secondary-vcpus.ts).
import type { Core } from "../host/core.js";
import type { DiskShim, KvmShim, TapShim, VhostShim } from "../host/native.js";
import { closeDisks, diskDevices, DiskTimes, openDisks, type DiskStats, type OpenedDisk } from "./disks.js";
import { dumpTimeStamp } from "./core-dump.js";
import { Machine, type Stop } from "./machine.js";
import { closeNics, nicDevices, openNics, tapNetIo, type OpenedNic } from "./nics.js";
import { SecondaryVcpus } from "./secondary-vcpus.js";
import type { VmmPlan } from "./plan.js";

/** The longest the event loop waits for vCPU 0 (console, control commands). */
const SLICE_MS = 10;
/** How long dommemstat waits for the guest's fresh statistics. */
const STATS_WAIT_MS = 250;

/** The balloon as the core reports it: pages asked for and given, the guest's statistics by virtio tag (-1: unreported). */
export interface BalloonState {
  targetPages: number;
  actualPages: number;
  /** When the guest last reported (wall clock ms; 0: never). */
  updatedMs: number;
  stats: number[];
}

function balloonState(core: Core): BalloonState {
  const v = core.vmmBalloonState();
  return {
    targetPages: v.getUint32(0, true),
    actualPages: v.getUint32(4, true),
    updatedMs: v.getFloat64(8, true),
    stats: Array.from({ length: (v.byteLength - 16) / 8 }, (_, i) => v.getFloat64(16 + 8 * i, true)),
  };
}

export type ShutoffReason = "shutdown" | "destroyed" | "crashed";

export interface GuestEvents {
  output(bytes: Uint8Array): void;
  /** A line for the domain's log. */
  log(line: string): void;
  ended(reason: ShutoffReason, detail: string): void;
  /** The guest crashed and stays, stopped, until destroyed (on_crash preserve). */
  crashed(detail: string): void;
}

const STOP_CODES = { stopped: 0, poweroff: 1, reset: 2, crash: 3 } as const;
const SHUTOFF_REASONS: Record<number, ShutoffReason> = { 1: "shutdown", 2: "destroyed", 3: "crashed" };
const ACTION_CODES = { end: 0, restart: 1, preserve: 2 } as const;
const [RESTART, PRESERVE] = [0, -1];

type Next = { then: "restart" } | { then: "preserve"; detail: string } | { then: "end"; reason: ShutoffReason; detail: string };

/** What the core says follows a stop: start the guest again, keep it crashed, or end with a shutoff reason. */
function afterStop(core: Core, plan: VmmPlan, stop: Stop, requested: { reboot: boolean; reset: boolean }): Next {
  const asked = (requested.reboot ? 1 : 0) | (requested.reset ? 2 : 0);
  const result = core.vmmAfterStop(STOP_CODES[stop.kind], asked, ACTION_CODES[plan.onPoweroff], ACTION_CODES[plan.onReboot], ACTION_CODES[plan.onCrash]);
  const detail = stop.kind === "crash" ? stop.reason : stop.kind;
  if (result === RESTART) return { then: "restart" };
  if (result === PRESERVE) return { then: "preserve", detail };
  return { then: "end", reason: SHUTOFF_REASONS[result] ?? "shutdown", detail };
}

export class GuestRunner {
  /** vCPU 0's thread: this one. */
  readonly threadId: number;
  private machine!: Machine;
  private kickTimer = 0;
  private paused = false;
  private ended = false;
  /** Crashed and kept (on_crash preserve): its vCPUs stay stopped and its memory stays until destroy. */
  private crashedKept = false;
  private scheduled = false;
  private readonly requested = { reboot: false, reset: false };
  private readonly secondaries: SecondaryVcpus | undefined;
  /** The disks, open (and locked) from the start to the end, across the guest's reboots. */
  private disks: OpenedDisk[] = [];
  /** The NICs' taps, likewise. */
  private nics: OpenedNic[] = [];
  private readonly diskTimes = new DiskTimes();

  /** mailboxes: those of the other vCPUs' threads (secondary-vcpus.ts), for a guest with more than one. */
  constructor(
    private readonly plan: VmmPlan,
    private readonly kvm: KvmShim,
    private readonly core: Core,
    mailboxes: SharedArrayBuffer | undefined,
    private readonly events: GuestEvents,
    private readonly diskShim?: DiskShim,
    private readonly tapShim?: TapShim,
    private readonly vhostShim?: VhostShim,
  ) {
    this.threadId = kvm.vcpuThread();
    this.secondaries = mailboxes && new SecondaryVcpus(mailboxes, kvm, this.threadId);
  }

  /** Builds the machine and starts it; throws (leaving nothing running) when it cannot be built. */
  start(): void {
    if (this.plan.disks.length > 0) {
      if (!this.diskShim) throw new Error("disks need the native shim");
      // the disks' operations, an image format's metadata included, from here to the end
      this.core.blockIo = this.diskTimes.timed(this.diskShim.io);
      this.disks = openDisks(this.diskShim, this.plan.disks, this.core);
    }
    try {
      if (this.plan.nics.length > 0) {
        if (!this.tapShim) throw new Error("NICs need the native shim");
        this.core.netIo = tapNetIo(this.tapShim, this.threadId);
        this.nics = openNics(this.tapShim, this.plan.nics);
      }
      this.build();
    } catch (e) {
      this.closeDevices();
      throw e;
    }
    this.kickTimer = this.kvm.kickEvery(this.threadId, SLICE_MS);
    this.schedule();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Crashed and kept by on_crash preserve: only destroy (and the console) act on it. */
  get isCrashed(): boolean {
    return this.crashedKept;
  }

  /** Whether the guest can take a command that needs it running (not ended, not crashed and kept). */
  private get running(): boolean {
    return !this.ended && !this.crashedKept;
  }

  pause(): void {
    if (this.paused || !this.running) return;
    this.machine.parkSecondaries();
    this.machine.pauseNics(true);
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || !this.running) return;
    this.paused = false;
    this.machine.pauseNics(false);
    this.machine.runSecondaries();
    this.schedule();
  }

  destroy(): void {
    if (!this.ended) this.stopped({ kind: "stopped" });
  }

  /** A hard reset: the guest starts again whatever on_reboot says. */
  reset(): void {
    if (!this.running) return;
    this.requested.reset = true;
    this.stopped({ kind: "reset" });
  }

  /** libvirt's shutdown: the ACPI power button (the guest decides). */
  powerButton(): void {
    if (this.running) this.machine.powerButton();
  }

  /** libvirt's reboot: the power button, and the guest boots again when it powers off. */
  reboot(): void {
    if (!this.running) return;
    this.requested.reboot = true;
    this.machine.powerButton();
  }

  input(bytes: Uint8Array): void {
    if (this.running) this.machine.input(bytes);
  }

  /** The counters of the disk the guest knows as `target` (vda), or undefined for none. */
  blockStats(target: string): DiskStats | undefined {
    if (!this.running) return undefined;
    const opened = this.disks.find((d) => d.plan.target === target);
    if (!opened) return undefined;
    const records = this.core.vmmBlockStats();
    for (let at = 0; at + 48 <= records.byteLength; at += 48) {
      if (records.getInt32(at, true) !== opened.disk.handle) continue;
      const [rd, wr, flush] = this.diskTimes.of(opened.disk.handle);
      const count = (i: number) => records.getFloat64(at + 8 + 8 * i, true);
      return { rd_operations: count(0), rd_bytes: count(1), wr_operations: count(2), wr_bytes: count(3), flush_operations: count(4), rd_total_times: rd, wr_total_times: wr, flush_total_times: flush };
    }
    return undefined;
  }

  /** setmem --live: the 4 KiB pages the guest's balloon should hold; false when it has no balloon. */
  setBalloonTarget(pages: number): boolean {
    return this.running && this.machine.setBalloonTarget(pages);
  }

  /**
   * The balloon's state with the guest's fresh statistics: the guest is asked for them and given
   * up to STATS_WAIT_MS to answer (the last ones it gave stand otherwise); undefined without a balloon.
   */
  async memoryStats(): Promise<BalloonState | undefined> {
    if (!this.running) return undefined;
    const before = balloonState(this.core).updatedMs;
    const asked = this.machine.refreshBalloonStats();
    if (asked < 0) return undefined;
    for (const until = Date.now() + STATS_WAIT_MS; asked === 1 && balloonState(this.core).updatedMs === before && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return balloonState(this.core);
  }

  /** The taps' names (vnet0), in the plan's order. */
  get tapNames(): string[] {
    return this.nics.map((n) => n.name);
  }

  private closeDevices(): void {
    if (this.diskShim) closeDisks(this.diskShim, this.disks, this.core);
    this.core.blockIo = undefined;
    if (this.tapShim) closeNics(this.tapShim, this.nics);
    this.core.netIo = undefined;
  }

  private build(): void {
    this.machine = new Machine(this.kvm, this.core, {
      memoryBytes: this.plan.memoryBytes,
      vcpus: this.plan.vcpus,
      secondaries: this.secondaries,
      kernel: this.plan.kernel,
      initrd: this.plan.initrd,
      cmdline: this.plan.cmdline,
      pciBridges: this.plan.pciBridges,
      pciDevices: [...this.plan.pciDevices, ...diskDevices(this.disks), ...nicDevices(this.nics)],
      output: (bytes) => this.events.output(bytes),
      vhost: this.vhostShim,
      log: (line) => this.events.log(line),
    });
    this.machine.runSecondaries();
  }

  private schedule(): void {
    if (this.scheduled || this.paused || !this.running) return;
    this.scheduled = true;
    setImmediate(this.step);
  }

  private readonly step = (): void => {
    this.scheduled = false;
    if (this.paused || !this.running) return;
    const stop = this.machine.runSlice();
    if (stop) this.stopped(stop);
    else this.schedule();
  };

  private stopped(stop: Stop): void {
    if (stop.kind === "crash") {
      this.events.log(`guest crashed: ${stop.reason}`);
      if (this.plan.coredump) this.dumpMemory(`${this.plan.coredump}-${dumpTimeStamp()}`);
    }
    const next = afterStop(this.core, this.plan, stop, this.requested);
    this.requested.reboot = this.requested.reset = false;
    if (next.then === "preserve") return this.keepCrashed(next.detail);
    this.crashedKept = false;
    this.machine.close();
    if (next.then === "restart") {
      try {
        this.build();
        this.schedule();
        return;
      } catch (e) {
        this.events.log(`guest restart failed: ${(e as Error).message}`);
        return this.end("crashed", "restart failed");
      }
    }
    this.end(next.reason, next.detail);
  }

  /** on_crash preserve: every vCPU stays out of KVM_RUN, the memory stays mapped; destroy ends it. */
  private keepCrashed(detail: string): void {
    this.crashedKept = true;
    this.machine.parkSecondaries();
    this.machine.pauseNics(true);
    if (this.kickTimer) this.kvm.stopKicks(this.kickTimer);
    this.kickTimer = 0;
    this.events.crashed(detail);
  }

  /**
   * on_crash coredump-*: the crashed guest's memory to a file before it ends or restarts. A failed
   * dump is logged and the guest still ends or restarts (libvirt would leave the domain crashed).
   */
  private dumpMemory(path: string): void {
    try {
      this.machine.dumpTo(path);
      this.events.log(`guest memory dumped to ${path}`);
    } catch (e) {
      this.events.log(`guest memory dump to ${path} failed: ${(e as Error).message}`);
    }
  }

  private end(reason: ShutoffReason, detail: string): void {
    this.ended = true;
    this.closeDevices();
    this.secondaries?.exit();
    if (this.kickTimer) this.kvm.stopKicks(this.kickTimer);
    this.events.ended(reason, detail);
  }
}
