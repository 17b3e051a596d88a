// virtio-balloon (virtio 1.2, 5.5): the host asks for a number of the guest's 4 KiB pages
// (num_pages, libvirt's setmem --live); the guest hands them over on the inflate queue and takes
// them back on the deflate queue, saying how many it holds (actual). Pages handed over are given
// back to the host's kernel (the host discards their range of guest RAM: they read back as zeros).
// The stats queue carries the guest's own memory statistics, refreshed when the host asks.
import { clock_ms } from "../../host";
import { VmmEvent } from "../../abi/enums.gen";
import { ByteBuf } from "../../util/bytes";
import { raise } from "../devices/events";
import { guestMemory } from "./guest-memory";
import { VirtioDevice, VirtioPciFunction } from "./pci-transport";
import { Descriptor, Virtqueue } from "./virtqueue";

const VIRTIO_ID_BALLOON: u16 = 5;
/** PCI class "other" (0xff00), as QEMU's virtio-balloon-pci says. */
const CLASS_OTHER: u32 = 0x00ff00;
export const BALLOON_QUEUE_SIZE: u16 = 128;
const INFLATE = 0;
const STATS = 2;
const F_STATS_VQ: u64 = 1 << 1;
const F_DEFLATE_ON_OOM: u64 = 1 << 2;
const PAGE: u64 = 4096;
/** A stats entry: le16 tag, le64 value, packed. */
const STAT_BYTES: u32 = 10;
export const STAT_TAGS = 10;
const CHUNK_PFNS: u32 = 256;

const pfns = memory.data(<i32>(CHUNK_PFNS * 4));
const entry = memory.data(16);
const descriptor = new Descriptor();

/** What the host asked for and what the guest said, kept across the guest's reboots. */
export class BalloonState {
  /** Pages the host wants the guest to give up. */
  target: u32 = 0;
  /** Pages the guest says it has given up. */
  actual: u32 = 0;
  /** The guest's last statistics by tag (-1: not reported), and when they came (clock ms, 0: never). */
  readonly stats: StaticArray<f64> = new StaticArray<f64>(STAT_TAGS);
  updated: f64 = 0;

  constructor() {
    for (let i = 0; i < STAT_TAGS; i++) this.stats[i] = -1;
  }
}

export const balloonState = new BalloonState();

/** Guest RAM ranges the balloon took (guest-physical start, bytes: two f64 each), for the host to discard. */
const discards = new ByteBuf(256);

export function takeDiscards(out: ByteBuf): void {
  out.raw(discards.ptr, discards.length);
  discards.length = 0;
}

function discard(gpa: u64, bytes: u64): void {
  discards.ensure(16);
  store<f64>(discards.ptr + <usize>discards.length, <f64>gpa);
  store<f64>(discards.ptr + <usize>discards.length, <f64>bytes, 8);
  discards.length += 16;
  raise(VmmEvent.DISCARD);
}

export class VirtioBalloon extends VirtioDevice {
  /** The stats buffer the guest posted, held until the host wants fresh numbers (-1: none held). */
  private statsHead: i32 = -1;

  constructor(readonly deflateOnOom: bool) {
    super();
  }

  get id(): u16 {
    return VIRTIO_ID_BALLOON;
  }

  get classCode(): u32 {
    return CLASS_OTHER;
  }

  get features(): u64 {
    return F_STATS_VQ | (this.deflateOnOom ? F_DEFLATE_ON_OOM : 0);
  }

  get configLength(): i32 {
    return 8;
  }

  reset(): void {
    this.statsHead = -1;
    balloonState.actual = 0;
  }

  configRead(offset: i32, size: i32): u32 {
    if (offset == 0 && size == 4) return balloonState.target;
    if (offset == 4 && size == 4) return balloonState.actual;
    return 0;
  }

  configWrite(offset: i32, size: i32, value: u32): void {
    if (offset == 4 && size == 4) balloonState.actual = value;
  }

  serve(transport: VirtioPciFunction, index: i32): bool {
    const q = transport.queues[index];
    let used = false;
    for (let head = q.nextChain(); head >= 0; head = q.nextChain()) {
      if (index == STATS) {
        this.readStats(q);
        if (q.faulted) return used;
        // held: it goes back to the guest when the host asks for fresh numbers
        this.statsHead = head;
        continue;
      }
      if (index == INFLATE) this.inflate(q);
      else while (q.nextDescriptor(descriptor)) {} // deflate: the pages come back as the guest touches them
      if (q.checkFault() || q.faulted) return used;
      q.pushUsed(head, 0);
      used = true;
    }
    return used;
  }

  /** The host's new target: the guest hears of it through a configuration interrupt. */
  setTarget(pages: u32): void {
    balloonState.target = pages;
    if (this.transport !== null) this.transport!.configChanged();
  }

  /** Hands the held stats buffer back: the guest refills and posts it again. False when none is held. */
  requestStats(): bool {
    const transport = this.transport;
    if (this.statsHead < 0 || transport === null) return false;
    const q = transport.queues[STATS];
    q.pushUsed(this.statsHead, 0);
    this.statsHead = -1;
    transport.queueUsed(STATS);
    return true;
  }

  /** The inflate chain's page frame numbers (le32, 4 KiB pages), discarded as runs of contiguous pages. */
  private inflate(q: Virtqueue): void {
    let runStart: u64 = 0;
    let runPages: u64 = 0;
    while (q.nextDescriptor(descriptor)) {
      if (descriptor.deviceWrites) continue;
      for (let done: u32 = 0; done + 4 <= descriptor.length; ) {
        const n = min((descriptor.length - done) / 4, CHUNK_PFNS);
        if (!guestMemory.read(descriptor.address + done, pfns, n * 4)) return;
        for (let i: u32 = 0; i < n; i++) {
          const pfn = <u64>load<u32>(pfns + <usize>(i * 4));
          if (runPages > 0 && pfn == runStart + runPages) {
            runPages++;
            continue;
          }
          if (runPages > 0) discard(runStart * PAGE, runPages * PAGE);
          runStart = pfn;
          runPages = 1;
        }
        done += n * 4;
      }
    }
    if (runPages > 0) discard(runStart * PAGE, runPages * PAGE);
  }

  private readStats(q: Virtqueue): void {
    while (q.nextDescriptor(descriptor)) {
      if (descriptor.deviceWrites) continue;
      for (let at: u32 = 0; at + STAT_BYTES <= descriptor.length; at += STAT_BYTES) {
        if (!guestMemory.read(descriptor.address + at, entry, STAT_BYTES)) return;
        const tag = <i32>load<u16>(entry);
        if (tag < STAT_TAGS) balloonState.stats[tag] = <f64>load<u64>(entry, 2);
      }
    }
    balloonState.updated = clock_ms();
  }
}
