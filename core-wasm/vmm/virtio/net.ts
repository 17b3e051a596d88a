// virtio-net (virtio 1.2, 5.1) on a tap device the host opened: queue 0 receives, queue 1
// transmits. The tap speaks the same 12-byte header as the driver (virtio_net_hdr_v1), so a frame
// moves guest RAM↔tap in one readv or writev of the chain's buffers (net_io), never through the
// core. Offloads the driver accepts (checksums, TSO) are passed on to the tap; with mergeable
// receive buffers one large frame fills several chains, and its header says how many.
// Where the host has vhost-net, the kernel serves both rings from DRIVER_OK to the next reset and
// the VMM only hands them over, routes their interrupts and takes them back (vhost-program.ts).
import { net_io } from "../../host";
import { guestMemory } from "./guest-memory";
import { F_VERSION_1, VirtioDevice, VirtioPciFunction } from "./pci-transport";
import { VhostOp } from "../../abi/enums.gen";
import { vhostRecord } from "./vhost-program";
import { allocateMsiGsi, dropMsiRoute, setMsiRoute } from "../pci/msi-routes";
import { Descriptor, NO_VECTOR } from "./virtqueue";
import { IovecList, MAX_IOVECS } from "../../storage/block-io";

const VIRTIO_ID_NET: u16 = 1;
/** PCI class "Ethernet controller" (0x0200), as QEMU's virtio-net-pci says. */
const CLASS_ETHERNET: u32 = 0x020000;
export const NET_QUEUE_SIZE: u16 = 256;
const RECEIVE = 0;
const TRANSMIT = 1;

/** Features (5.1.3). */
const F_CSUM: u64 = 1 << 0;
const F_GUEST_CSUM: u64 = 1 << 1;
const F_MTU: u64 = 1 << 3;
const F_MAC: u64 = 1 << 5;
const F_GUEST_TSO4: u64 = 1 << 7;
const F_GUEST_TSO6: u64 = 1 << 8;
const F_GUEST_ECN: u64 = 1 << 9;
const F_HOST_TSO4: u64 = 1 << 11;
const F_HOST_TSO6: u64 = 1 << 12;
const F_HOST_ECN: u64 = 1 << 13;
const F_MRG_RXBUF: u64 = 1 << 15;
const F_STATUS: u64 = 1 << 16;
const STATUS_LINK_UP: u16 = 1;

/** The tap's offloads (linux/if_tun.h TUN_F_*): what it may hand the guest unfinished. */
const TUN_F_CSUM = 1;
const TUN_F_TSO4 = 2;
const TUN_F_TSO6 = 4;
const TUN_F_TSO_ECN = 8;

/** net_io's operations (core-wasm/host.ts). */
const OP_SEND = 0;
const OP_RECEIVE = 1;
const OP_OFFLOAD = 2;
const OP_WATCH = 3;
const EAGAIN = 11;

/** virtio_net_hdr_v1: its num_buffers field, at offset 10. */
const HEADER_BYTES: u32 = 12;
const NUM_BUFFERS_AT: u64 = 10;
/** The largest frame: a TSO frame of 64 KiB with its Ethernet and VLAN headers. */
const LARGEST_FRAME: u32 = 65535 + 14 + 4;
const DEFAULT_MTU: u32 = 1500;
const CONFIG_BYTES: i32 = 12;

/** Ring features vhost-net takes part in (it leaves the offloads to the tap); never bit 27, its own header. */
const VHOST_RING_FEATURES: u64 = F_MRG_RXBUF | F_VERSION_1 | (<u64>1 << 28) | (<u64>1 << 29);
/** The guest's notify write: the queue's index, 16 bits (virtio 1.2, 4.1.5.2). */
const NOTIFY_WRITE_BYTES = 2;

/**
 * What the host opened and the domain's XML says: the tap's handle, the `<mac>`, the `<mtu>` (0:
 * none); and where the host has vhost-net for the NIC, its handle (-1: none), the features it
 * offers, and whether KVM matches notify writes of any length (KVM_CAP_IOEVENTFD_ANY_LENGTH).
 */
export class NetSpec {
  constructor(
    readonly handle: i32,
    readonly mac: u64,
    readonly mtu: u32,
    readonly vhost: i32 = -1,
    readonly vhostFeatures: u64 = 0,
    readonly notifyAnyLength: bool = false,
  ) {}
}

/** Frames and bytes the device moved, and frames it had to drop. */
export class NetStats {
  receivedFrames: u64 = 0;
  receivedBytes: u64 = 0;
  sentFrames: u64 = 0;
  sentBytes: u64 = 0;
  sendErrors: u64 = 0;
}

const descriptor = new Descriptor();
const iovecs = new IovecList();
const scratch = memory.data(8);

/**
 * The receive chains a NIC took from the driver and holds until frames fill them: each head, its
 * buffers' total length and how many of `ranges` are its. A device may hold available buffers as
 * long as it likes; holding them spares walking the same descriptors again at every wake-up.
 */
class HeldChains {
  readonly head: StaticArray<i32> = new StaticArray<i32>(MAX_IOVECS);
  readonly bytes: StaticArray<u32> = new StaticArray<u32>(MAX_IOVECS);
  readonly rangeCount: StaticArray<i32> = new StaticArray<i32>(MAX_IOVECS);
  readonly ranges: IovecList = new IovecList();
  count: i32 = 0;
  room: u64 = 0;

  clear(): void {
    this.count = 0;
    this.room = 0;
    this.ranges.clear();
  }

  /** The first `n` chains are used: the rest move to the front. */
  dropFirst(n: i32): void {
    let rangesUsed = 0;
    for (let c = 0; c < n; c++) {
      this.room -= unchecked(this.bytes[c]);
      rangesUsed += unchecked(this.rangeCount[c]);
    }
    this.ranges.dropFirst(rangesUsed);
    this.count -= n;
    for (let c = 0; c < this.count; c++) {
      unchecked((this.head[c] = this.head[c + n]));
      unchecked((this.bytes[c] = this.bytes[c + n]));
      unchecked((this.rangeCount[c] = this.rangeCount[c + n]));
    }
  }
}

export class VirtioNet extends VirtioDevice {
  readonly stats: NetStats = new NetStats();
  private readonly held: HeldChains = new HeldChains();
  /** Whether vhost-net serves the rings now (from DRIVER_OK to the next reset). */
  private vhostServing: bool = false;
  /** Each ring's GSI for vhost's interrupts, and the one its irqfd raises now (-1: none, masked). */
  private readonly gsis: StaticArray<i32> = new StaticArray<i32>(2);
  private readonly callGsis: StaticArray<i32> = new StaticArray<i32>(2);

  constructor(readonly spec: NetSpec) {
    super();
    for (let i = 0; i < 2; i++) {
      this.gsis[i] = spec.vhost >= 0 ? allocateMsiGsi() : -1;
      this.callGsis[i] = -1;
    }
  }

  /** Whether the kernel's vhost-net moves the frames (the VMM only follows the interrupts). */
  get servedByVhost(): bool {
    return this.vhostServing;
  }

  get id(): u16 {
    return VIRTIO_ID_NET;
  }

  get classCode(): u32 {
    return CLASS_ETHERNET;
  }

  get features(): u64 {
    const f = F_CSUM | F_GUEST_CSUM | F_MAC | F_GUEST_TSO4 | F_GUEST_TSO6 | F_GUEST_ECN | F_HOST_TSO4 | F_HOST_TSO6 | F_HOST_ECN | F_MRG_RXBUF | F_STATUS;
    return this.spec.mtu > 0 ? f | F_MTU : f;
  }

  get configLength(): i32 {
    return CONFIG_BYTES;
  }

  /** mac@0 (6 bytes), status@6, max_virtqueue_pairs@8, mtu@10 (5.1.4). */
  configRead(offset: i32, size: i32): u32 {
    let value: u32 = 0;
    for (let i = size - 1; i >= 0; i--) value = (value << 8) | this.configByte(offset + i);
    return value;
  }

  private configByte(at: i32): u32 {
    if (at < 6) return <u32>(this.spec.mac >> (8 * (5 - <u64>at))) & 0xff;
    if (at == 6) return STATUS_LINK_UP;
    if (at == 8) return 1;
    if (at == 10 || at == 11) return (this.spec.mtu >> (8 * (<u32>at - 10))) & 0xff;
    return 0;
  }

  private accepted(feature: u64): bool {
    const t = this.transport;
    return t !== null && (t.driverFeatures & feature) != 0;
  }

  /** A new driver: the tap hands over only complete frames until it says what it takes. */
  reset(): void {
    if (this.vhostServing) this.takeBackRings();
    this.held.clear();
    net_io(OP_OFFLOAD, this.spec.handle, 0, 0);
  }

  /** The driver's receive offloads, passed on to the tap (TSO needs checksum offload under it). */
  activated(): void {
    let offloads = 0;
    if (this.accepted(F_GUEST_CSUM)) {
      offloads |= TUN_F_CSUM;
      if (this.accepted(F_GUEST_TSO4)) offloads |= TUN_F_TSO4;
      if (this.accepted(F_GUEST_TSO6)) offloads |= TUN_F_TSO6;
      if (this.accepted(F_GUEST_ECN) && (offloads & (TUN_F_TSO4 | TUN_F_TSO6)) != 0) offloads |= TUN_F_TSO_ECN;
    }
    net_io(OP_OFFLOAD, this.spec.handle, 0, offloads);
    const t = this.transport;
    if (t !== null && this.canHandOver(t)) this.handOverRings(t);
  }

  serve(transport: VirtioPciFunction, index: i32): bool {
    if (this.vhostServing) {
      // a write vhost's ioeventfd did not match (a BAR the guest moved): passed on
      vhostRecord(VhostOp.NOTIFY, this.spec.vhost, index, 0, 0, 0, 0, 0);
      return false;
    }
    return index == TRANSMIT ? this.transmit(transport) : index == RECEIVE ? this.receive(transport) : false;
  }

  /** Frames waiting on the tap go to the guest (the host calls this when the tap may have some). */
  poll(): void {
    const t = this.transport;
    if (t === null || this.vhostServing || !t.queues[RECEIVE].ready) return;
    if (this.receive(t)) t.queueUsed(RECEIVE);
  }

  /**
   * vhost-net can serve the rings when the host has it for this NIC, both rings are set up, each
   * has an MSI-X vector (its interrupts are raised by an irqfd on an MSI route) and vhost takes
   * part in every ring feature the driver accepted. Otherwise the VMM serves them itself.
   */
  private canHandOver(t: VirtioPciFunction): bool {
    if (this.spec.vhost < 0) return false;
    const rings = t.driverFeatures & VHOST_RING_FEATURES;
    if ((rings & ~this.spec.vhostFeatures) != 0) return false;
    for (let i = 0; i < 2; i++) {
      const q = t.queues[i];
      if (!q.ready || q.msixVector == NO_VECTOR) return false;
    }
    return true;
  }

  /**
   * DRIVER_OK: the rings go to vhost-net. Its notifications arrive without an exit, its interrupts
   * through irqfds, and it starts where the VMM stopped (receive chains the VMM held are taken again).
   */
  private handOverRings(t: VirtioPciFunction): void {
    const vhost = this.spec.vhost;
    vhostRecord(VhostOp.FEATURES, vhost, 0, 0, 0, t.driverFeatures & VHOST_RING_FEATURES, 0, 0);
    for (let i = 0; i < 2; i++) {
      const q = t.queues[i];
      const next = i == RECEIVE ? <u16>(q.taken - <u16>this.held.count) : q.taken;
      vhostRecord(VhostOp.RING, vhost, i, <i32>q.size, <i32>next, q.descriptors, q.available, q.used);
      vhostRecord(VhostOp.KICK, vhost, i, this.spec.notifyAnyLength ? 0 : NOTIFY_WRITE_BYTES, 0, t.notifyAddress(i), 0, 0);
    }
    this.held.clear();
    this.vhostServing = true;
    this.routeInterrupts();
    for (let i = 0; i < 2; i++) vhostRecord(VhostOp.BACKEND, vhost, i, this.spec.handle, 0, 0, 0, 0);
  }

  /** A reset: vhost lets go of the rings and the tap; notifications and interrupts come back to the VMM. */
  private takeBackRings(): void {
    const vhost = this.spec.vhost;
    let routesChanged = false;
    for (let i = 0; i < 2; i++) {
      vhostRecord(VhostOp.BACKEND, vhost, i, -1, 0, 0, 0, 0);
      vhostRecord(VhostOp.RELEASE, vhost, i, 0, 0, 0, 0, 0);
      this.callGsis[i] = -1;
      if (dropMsiRoute(this.gsis[i])) routesChanged = true;
    }
    if (routesChanged) vhostRecord(VhostOp.ROUTES, vhost, 0, 0, 0, 0, 0, 0);
    this.vhostServing = false;
  }

  interruptsChanged(): void {
    if (this.vhostServing) this.routeInterrupts();
  }

  /**
   * Each ring's irqfd assigned while its vector is deliverable, on a GSI routed to the vector's
   * message. A masked vector only loses its irqfd (first, so no signal meets a GSI without a
   * route): what vhost signals meanwhile waits in the eventfd, and KVM delivers it when the irqfd
   * comes back on unmask, after the route has taken the vector's message as it is then.
   */
  private routeInterrupts(): void {
    const t = this.transport;
    if (t === null) return;
    const vhost = this.spec.vhost;
    for (let i = 0; i < 2; i++) {
      if (this.callGsis[i] < 0 || t.vectorDeliverable(t.queues[i].msixVector)) continue;
      this.callGsis[i] = -1;
      vhostRecord(VhostOp.CALL, vhost, i, -1, 0, 0, 0, 0);
    }
    let routesChanged = false;
    for (let i = 0; i < 2; i++) {
      const vector = t.queues[i].msixVector;
      if (!t.vectorDeliverable(vector)) continue;
      if (setMsiRoute(this.gsis[i], t.msixWord(vector, 0), t.msixWord(vector, 1), t.msixWord(vector, 2))) routesChanged = true;
    }
    if (routesChanged) vhostRecord(VhostOp.ROUTES, vhost, 0, 0, 0, 0, 0, 0);
    for (let i = 0; i < 2; i++) {
      if (this.callGsis[i] >= 0 || !t.vectorDeliverable(t.queues[i].msixVector)) continue;
      this.callGsis[i] = this.gsis[i];
      vhostRecord(VhostOp.CALL, vhost, i, this.gsis[i], 0, 0, 0, 0);
    }
  }

  /**
   * The guest is paused (suspend, a kept crash, a memory dump): vhost stops moving frames into its
   * RAM until it runs again. vhost keeps each ring's place meanwhile.
   */
  pauseRings(paused: bool): void {
    if (!this.vhostServing) return;
    for (let i = 0; i < 2; i++) vhostRecord(VhostOp.BACKEND, this.spec.vhost, i, paused ? -1 : this.spec.handle, 0, 0, 0, 0);
  }

  /** Each chain the driver made available is one frame for the tap. */
  private transmit(transport: VirtioPciFunction): bool {
    const q = transport.queues[TRANSMIT];
    let used = false;
    for (let head = q.nextChain(); head >= 0; head = q.nextChain()) {
      iovecs.clear();
      let bytes: u64 = 0;
      while (q.nextDescriptor(descriptor)) {
        if (descriptor.deviceWrites) continue;
        iovecs.add(descriptor.address, descriptor.length);
        bytes += descriptor.length;
      }
      if (q.checkFault() || q.faulted) break;
      const sent = bytes > <u64>HEADER_BYTES ? net_io(OP_SEND, this.spec.handle, iovecs.ptr, iovecs.count) : -1;
      if (sent < 0) this.stats.sendErrors++;
      else {
        this.stats.sentFrames++;
        this.stats.sentBytes += bytes - HEADER_BYTES;
      }
      q.pushUsed(head, 0);
      used = true;
    }
    return used;
  }

  /** The largest frame (with its header) the driver's receive offloads let the tap hand over. */
  private get largestReceive(): u32 {
    if (this.accepted(F_GUEST_TSO4) || this.accepted(F_GUEST_TSO6)) return HEADER_BYTES + LARGEST_FRAME;
    return HEADER_BYTES + 14 + 4 + (this.spec.mtu > 0 ? this.spec.mtu : DEFAULT_MTU);
  }

  /**
   * Frames from the tap into the chains the driver posted, until the tap has none (then the host
   * is asked to wake vCPU 0 when one comes) or the chains run out (the driver's next notification
   * brings more). Without mergeable buffers a frame takes one chain; with them, as many as it fills.
   * A frame is read only once the chains held have room for the largest one the offloads allow
   * (the tap cannot say how long the next frame is); those it leaves unfilled stay held.
   */
  private receive(transport: VirtioPciFunction): bool {
    const q = transport.queues[RECEIVE];
    const held = this.held;
    const ranges = held.ranges;
    const mergeable = this.accepted(F_MRG_RXBUF);
    const wanted = <u64>this.largestReceive;
    let used = false;
    for (;;) {
      while ((mergeable ? held.room < wanted : held.count == 0) && held.count < MAX_IOVECS && ranges.count < MAX_IOVECS) {
        const head = q.nextChain();
        if (head < 0) break;
        const firstRange = ranges.count;
        let bytes: u32 = 0;
        while (q.nextDescriptor(descriptor)) {
          if (!descriptor.deviceWrites || ranges.count == MAX_IOVECS) continue;
          ranges.add(descriptor.address, descriptor.length);
          bytes += descriptor.length;
        }
        const c = held.count++;
        unchecked((held.head[c] = head));
        unchecked((held.bytes[c] = bytes));
        unchecked((held.rangeCount[c] = ranges.count - firstRange));
        held.room += bytes;
      }
      if (q.checkFault() || q.faulted) {
        held.clear();
        return used;
      }
      // not enough posted for the largest frame: wait for the driver to post more
      if (held.count == 0 || (mergeable && held.room < wanted) || held.room < <u64>HEADER_BYTES) return used;
      const n = net_io(OP_RECEIVE, this.spec.handle, ranges.ptr, ranges.count);
      if (n < 0) {
        if (n == -EAGAIN) net_io(OP_WATCH, this.spec.handle, 0, 0);
        return used;
      }
      let left = <u32>min(<u64>n, held.room);
      let filled = 0;
      while (filled < held.count && (left > 0 || filled == 0)) {
        left -= min(left, unchecked(held.bytes[filled]));
        filled++;
      }
      // the header says how many chains the frame took, before the used ring publishes them
      if (!this.setNumBuffers(ranges, <u16>filled)) {
        q.checkFault();
        held.clear();
        return used;
      }
      left = <u32>min(<u64>n, held.room);
      for (let c = 0; c < filled; c++) {
        const take = min(left, unchecked(held.bytes[c]));
        q.pushUsed(unchecked(held.head[c]), take);
        left -= take;
      }
      this.stats.receivedFrames++;
      this.stats.receivedBytes += <u64>n > <u64>HEADER_BYTES ? <u64>n - HEADER_BYTES : 0;
      used = true;
      held.dropFirst(filled);
    }
    return used;
  }

  /** Writes num_buffers (header bytes 10–11) into the first chain's buffers (the first of `iovecs`), wherever they fall. */
  private setNumBuffers(iovecs: IovecList, count: u16): bool {
    store<u16>(scratch, count);
    let skip = NUM_BUFFERS_AT;
    let written: u32 = 0;
    for (let i = 0; i < iovecs.count && written < 2; i++) {
      const len = <u64>iovecs.length(i);
      if (skip >= len) {
        skip -= len;
        continue;
      }
      const n = <u32>min(len - skip, <u64>(2 - written));
      if (!guestMemory.write(iovecs.address(i) + skip, scratch + <usize>written, n)) return false;
      written += n;
      skip = 0;
    }
    return written == 2;
  }
}
