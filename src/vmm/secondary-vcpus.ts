// The guest's other vCPUs (1..N-1), each on a thread of its own running KVM_RUN. core.wasm's
// devices live on vCPU 0's thread, so a secondary vCPU's port I/O is forwarded there through a
// shared mailbox: the secondary posts the access (a port or an MMIO one), kicks vCPU 0 out of
// KVM_RUN and waits for the answer. vCPU 0 also tells the secondaries when to run (a fresh machine), park (pause, stop)
// and exit. A secondary starts in KVM's INIT state and waits for the guest's SIPI in the kernel.
import type { KvmShim } from "../host/native.js";
import { KVM_EXIT_IO, KVM_EXIT_MMIO, KVM_EXIT_SHUTDOWN, mmioExit, portAccesses, stopOfExit, type MmioAccess, type PortIn, type PortOut, type Stop } from "./machine.js";

/** Words of the shared header, then one mailbox of Box.WORDS words per secondary vCPU. */
const enum Header {
  /** vCPU 0's thread id, for the secondaries' kicks. */
  PRIMARY_THREAD = 0,
  /** Bumped (and notified) by a secondary whenever it posts an access or a stop, or parks. */
  ATTENTION = 1,
  /** The /dev/kvm descriptor (the run area's size comes from it). */
  SYSTEM = 2,
  SIZE = 4,
}

const enum Box {
  /** Set by vCPU 0: PARK, RUN or EXIT. */
  CONTROL = 0,
  VCPU_FD = 1,
  /** The secondary's thread id (0 until its thread is ready). */
  THREAD = 2,
  /** Set by the secondary: 1 while it runs its vCPU, 0 once parked. */
  RUNNING = 3,
  /** IDLE, POSTED (by the secondary) or ANSWERED (by vCPU 0). */
  ACCESS = 4,
  /** The port, or for MMIO the address's low 32 bits. */
  PORT = 5,
  SIZE = 6,
  /** 1 for a write (OUT, MMIO write). */
  OUT = 7,
  /** The value (for MMIO its low 32 bits). */
  VALUE = 8,
  /** A stop of the guest seen on this vCPU (StopCode), taken by vCPU 0. */
  STOP = 9,
  /** For a crash: the KVM exit reason. */
  DETAIL = 10,
  /** Bumped by vCPU 0 with each machine it hands over: the secondary maps that vCPU's run area anew. */
  GENERATION = 11,
  /** 1 for an MMIO access (PORT, ADDRESS_HIGH: the address; VALUE, VALUE_HIGH: the 8 data bytes). */
  MMIO = 12,
  ADDRESS_HIGH = 13,
  VALUE_HIGH = 14,
  WORDS = 15,
}

const PARK = 0;
const RUN = 1;
const EXIT = 2;
const IDLE = 0;
const POSTED = 1;
const ANSWERED = 2;
const enum StopCode {
  NONE = 0,
  POWEROFF = 1,
  RESET = 2,
  CRASH = 3,
}

/** What a secondary vCPU's worker is given. */
export interface SecondaryThreadData {
  /** Which secondary: it runs vCPU secondary+1. */
  secondary: number;
  mailboxes: SharedArrayBuffer;
}

/** The shared memory for `count` secondary vCPUs (made by the VMM's main thread). */
export function secondaryMailboxes(count: number): SharedArrayBuffer {
  return new SharedArrayBuffer((Header.SIZE + count * Box.WORDS) * 4);
}

function box(index: number): number {
  return Header.SIZE + index * Box.WORDS;
}

/** How many secondaries the mailboxes hold. */
function secondaryCount(words: Int32Array): number {
  return (words.length - Header.SIZE) / Box.WORDS;
}

/** The secondaries' thread ids, once they are ready (for CPU time). */
export function secondaryThreads(mailboxes: SharedArrayBuffer): number[] {
  const words = new Int32Array(mailboxes);
  return Array.from({ length: secondaryCount(words) }, (_, i) => words[box(i) + Box.THREAD]);
}

/** vCPU 0's side: starts, parks and serves the secondaries. */
export class SecondaryVcpus {
  private readonly words: Int32Array;
  private readonly count: number;
  private seen = 0;

  constructor(
    mailboxes: SharedArrayBuffer,
    private readonly kvm: KvmShim,
    primaryThread: number,
  ) {
    this.words = new Int32Array(mailboxes);
    this.count = secondaryCount(this.words);
    Atomics.store(this.words, Header.PRIMARY_THREAD, primaryThread);
  }

  /** Hands vCPU i+1 of a freshly built machine to secondary i (they stay parked until resume()). */
  handOver(vcpus: number[], system: number): void {
    Atomics.store(this.words, Header.SYSTEM, system);
    for (let i = 0; i < this.count; i++) {
      const at = box(i);
      Atomics.store(this.words, at + Box.STOP, StopCode.NONE);
      Atomics.store(this.words, at + Box.VCPU_FD, vcpus[i]);
      Atomics.add(this.words, at + Box.GENERATION, 1);
    }
  }

  /** Lets the parked secondaries run their vCPUs. */
  resume(): void {
    for (let i = 0; i < this.count; i++) this.command(i, RUN);
  }

  /** Stops every secondary's KVM_RUN and waits until all are parked, serving their accesses meanwhile. */
  park(serve: () => void): void {
    for (let i = 0; i < this.count; i++) this.command(i, PARK);
    for (;;) {
      const attention = Atomics.load(this.words, Header.ATTENTION);
      serve();
      let running = 0;
      for (let i = 0; i < this.count; i++) running += Atomics.load(this.words, box(i) + Box.RUNNING);
      if (running === 0) return;
      for (let i = 0; i < this.count; i++) {
        // a thread not started yet has not run (it stores its id before it reads CONTROL)
        const thread = Atomics.load(this.words, box(i) + Box.THREAD);
        if (thread !== 0) this.kvm.kick(thread);
      }
      Atomics.wait(this.words, Header.ATTENTION, attention, 50);
    }
  }

  /** Ends the secondaries' threads (they must be parked). */
  exit(): void {
    for (let i = 0; i < this.count; i++) this.command(i, EXIT);
  }

  /** Whether a secondary posted something since the last call (one atomic load: the exit path's check). */
  pending(): boolean {
    const attention = Atomics.load(this.words, Header.ATTENTION);
    if (attention === this.seen) return false;
    this.seen = attention;
    return true;
  }

  /** Answers the posted accesses through vCPU 0's devices; returns a stop a secondary saw. */
  answer(portIn: PortIn, portOut: PortOut, mmio: MmioAccess): Stop | undefined {
    const w = this.words;
    let stop: Stop | undefined;
    for (let i = 0; i < this.count; i++) {
      const at = box(i);
      if (Atomics.load(w, at + Box.ACCESS) === POSTED) {
        const port = w[at + Box.PORT];
        const size = w[at + Box.SIZE];
        if (w[at + Box.MMIO]) {
          const bytes = new DataView(new ArrayBuffer(8));
          bytes.setInt32(0, w[at + Box.VALUE], true);
          bytes.setInt32(4, w[at + Box.VALUE_HIGH], true);
          mmio((port >>> 0) + w[at + Box.ADDRESS_HIGH] * 2 ** 32, size, w[at + Box.OUT] !== 0, bytes);
          w[at + Box.VALUE] = bytes.getInt32(0, true);
          w[at + Box.VALUE_HIGH] = bytes.getInt32(4, true);
        } else if (w[at + Box.OUT]) portOut(port, size, w[at + Box.VALUE]);
        else w[at + Box.VALUE] = portIn(port, size);
        Atomics.store(w, at + Box.ACCESS, ANSWERED);
        Atomics.notify(w, at + Box.ACCESS);
      }
      stop ??= stopOf(Atomics.load(w, at + Box.STOP), w[at + Box.DETAIL], i + 1);
    }
    return stop;
  }

  private command(i: number, control: number): void {
    const at = box(i) + Box.CONTROL;
    Atomics.store(this.words, at, control);
    Atomics.notify(this.words, at);
  }
}

function stopOf(code: number, detail: number, vcpu: number): Stop | undefined {
  switch (code) {
    case StopCode.NONE:
      return undefined;
    case StopCode.POWEROFF:
      return { kind: "poweroff" };
    case StopCode.RESET:
      return { kind: "reset" };
    default:
      return { kind: "crash", reason: `${detail === KVM_EXIT_SHUTDOWN ? "triple fault" : `KVM exit ${detail}`} on vCPU ${vcpu}` };
  }
}

/** A secondary vCPU's thread: runs whichever vCPU vCPU 0 hands it until told to exit. */
export function runSecondaryVcpu(kvm: KvmShim, mailboxes: SharedArrayBuffer, index: number): void {
  const w = new Int32Array(mailboxes);
  const at = box(index);
  const attention = () => {
    Atomics.add(w, Header.ATTENTION, 1);
    Atomics.notify(w, Header.ATTENTION);
    kvm.kick(Atomics.load(w, Header.PRIMARY_THREAD));
  };
  /** One port access handed to vCPU 0's devices; returns what an IN reads. */
  const forward = (port: number, size: number, out: boolean, value: number): number => {
    w[at + Box.MMIO] = 0;
    post(port, size, out, value);
    return w[at + Box.VALUE];
  };
  /** Posts an access and waits for vCPU 0's answer. */
  const post = (port: number, size: number, out: boolean, value: number): void => {
    w[at + Box.PORT] = port;
    w[at + Box.SIZE] = size;
    w[at + Box.OUT] = out ? 1 : 0;
    w[at + Box.VALUE] = value;
    Atomics.store(w, at + Box.ACCESS, POSTED);
    attention();
    while (Atomics.load(w, at + Box.ACCESS) === POSTED) Atomics.wait(w, at + Box.ACCESS, POSTED);
    Atomics.store(w, at + Box.ACCESS, IDLE);
  };
  const forwardIn: PortIn = (port, size) => forward(port, size, false, 0);
  const forwardOut: PortOut = (port, size, value) => void forward(port, size, true, value);
  const forwardMmio: MmioAccess = (address, size, write, data) => {
    w[at + Box.MMIO] = 1;
    w[at + Box.ADDRESS_HIGH] = Math.floor(address / 2 ** 32);
    w[at + Box.VALUE_HIGH] = data.getInt32(4, true);
    post(address >>> 0, size, write, data.getInt32(0, true));
    data.setInt32(0, w[at + Box.VALUE], true);
    data.setInt32(4, w[at + Box.VALUE_HIGH], true);
  };
  let generation = 0;
  let run: DataView | undefined;
  Atomics.store(w, at + Box.THREAD, kvm.vcpuThread());
  Atomics.notify(w, at + Box.THREAD);
  for (;;) {
    const control = Atomics.load(w, at + Box.CONTROL);
    if (control === EXIT) return;
    if (control === PARK) {
      Atomics.wait(w, at + Box.CONTROL, PARK);
      continue;
    }
    Atomics.store(w, at + Box.RUNNING, 1);
    // vCPU 0 stores CONTROL, then reads RUNNING; this thread the other way round: one of the two sees the other's
    if (Atomics.load(w, at + Box.CONTROL) !== RUN) {
      Atomics.store(w, at + Box.RUNNING, 0);
      continue;
    }
    const vcpu = Atomics.load(w, at + Box.VCPU_FD);
    if (Atomics.load(w, at + Box.GENERATION) !== generation) {
      generation = Atomics.load(w, at + Box.GENERATION);
      run = new DataView(kvm.runArea(vcpu, Atomics.load(w, Header.SYSTEM)));
    }
    let stopped = false;
    while (Atomics.load(w, at + Box.CONTROL) === RUN && !stopped) {
      if (kvm.run(vcpu) < 0) continue;
      const reason = run!.getUint32(8, true);
      if (reason === KVM_EXIT_IO) {
        portAccesses(run!, forwardIn, forwardOut);
      } else if (reason === KVM_EXIT_MMIO) {
        mmioExit(run!, forwardMmio);
      } else {
        const kind = stopOfExit(reason, run!).kind;
        const code = kind === "poweroff" ? StopCode.POWEROFF : kind === "reset" ? StopCode.RESET : StopCode.CRASH;
        w[at + Box.DETAIL] = reason;
        Atomics.store(w, at + Box.STOP, code);
        stopped = true;
        attention();
      }
    }
    // parked (or stopped): wait until vCPU 0 hands over the next machine
    Atomics.store(w, at + Box.RUNNING, 0);
    Atomics.add(w, Header.ATTENTION, 1);
    Atomics.notify(w, Header.ATTENTION);
    while (Atomics.load(w, at + Box.CONTROL) === RUN) Atomics.wait(w, at + Box.CONTROL, RUN);
  }
}
