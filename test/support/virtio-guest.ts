// A fake guest driver for the VMM's virtio-pci devices, over fake guest RAM: it finds a function
// and its capabilities as Linux's virtio_pci does, negotiates, sets up queue 0 with an MSI-X
// vector, and posts chains of buffers. The core is the real core.wasm with the mock imports.
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { bootRecords, pciDeviceRecords, type PciDevice } from "../../src/vmm/machine.js";
import type { OpenVhost } from "../../src/vmm/vhost.js";
import { exitLoopImage } from "../kvm/guest.js";

const CONFIG_ADDRESS = 0xcf8;
const CONFIG_DATA = 0xcfc;
export const RANDOM_BYTE = 0x5a;
export const [ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK, NEEDS_RESET] = [1, 2, 4, 8, 0x40];
export const RAM = 1 << 20;
export const [DESC, AVAIL, USED, DATA] = [0x1000, 0x2000, 0x3000, 0x10000];
export const QUEUE_SIZE = 8;
/** Each queue's descriptor table, available and used ring; queue 0's are DESC, AVAIL, USED. */
export const RINGS = [
  [DESC, AVAIL, USED],
  [0x4000, 0x5000, 0x6000],
  [0x7000, 0x8000, 0x9000],
];
const VERSION_1_HIGH = 1;

/** A buffer of a chain: guest address, length, and whether the device writes it (default yes). */
export type GuestBuffer = [number, number, boolean?];

/** A device of the plan without its address (the guest puts it at bus 0, `slot`). */
type Unplaced<T> = T extends unknown ? Omit<T, "bus" | "slot" | "function"> : never;

export class FakeGuest {
  readonly core = new Core(coreModule(), new MockCoreImports(RANDOM_BYTE));
  readonly ram = new Uint8Array(RAM);
  readonly view = new DataView(this.ram.buffer);
  bar = 0;
  caps = new Map<number, number>();
  msix = 0;

  /** prepare: runs on the core before the device is plugged in (a disk's image opened on its handle). */
  /** vhosts: a NIC's vhost-net as the host opened it, by tap handle. */
  constructor(slot = 3, device: Unplaced<PciDevice> = { kind: "virtio-rng" }, prepare?: (core: Core) => void, vhosts?: Map<number, OpenVhost>) {
    this.core.guestMemory = this.ram;
    prepare?.(this.core);
    this.core.vmmPciDevices(pciDeviceRecords([{ ...device, bus: 0, slot, function: 0 } as PciDevice], vhosts));
    const kernel = exitLoopImage(1);
    bootRecords(this.core, kernel, kernel.length, 0, "", 16 << 20, 1);
  }

  config(slot: number, reg: number, size = 4, value?: number): number {
    this.core.vmmPortOut(CONFIG_ADDRESS, 4, (0x8000_0000 | (slot << 11) | (reg & 0xfc)) >>> 0);
    if (value === undefined) return this.core.vmmPortIn(CONFIG_DATA + (reg & 3), size) >>> 0;
    this.core.vmmPortOut(CONFIG_DATA + (reg & 3), size, value);
    return 0;
  }

  read(offset: number, size = 4): number {
    return this.core.vmmMmioRead(this.bar + offset, size) >>> 0;
  }

  write(offset: number, size: number, value: number): void {
    this.core.vmmMmioWrite(this.bar + offset, size, value | 0, 0);
  }

  /** What virtio_pci_modern_probe does: the capabilities by cfg_type, and where MSI-X is. */
  probe(slot: number): void {
    this.bar = (this.config(slot, 0x10) & ~0xf) >>> 0;
    for (let cap = this.config(slot, 0x34, 1); cap !== 0; cap = this.config(slot, cap + 1, 1)) {
      const id = this.config(slot, cap, 1);
      if (id === 0x11) this.msix = cap;
      if (id === 0x09) this.caps.set(this.config(slot, cap + 3, 1), this.config(slot, cap + 8));
    }
  }

  common(offset: number, size = 4, value?: number): number {
    const at = this.caps.get(1)! + offset;
    if (value === undefined) return this.read(at, size);
    this.write(at, size, value);
    return 0;
  }

  /** The device's configuration structure at offset (BAR 0, where its capability says). */
  deviceConfig(offset: number, size = 4, value?: number): number {
    const at = this.caps.get(4)! + offset;
    if (value === undefined) return this.read(at, size);
    this.write(at, size, value);
    return 0;
  }

  /** The features the device offers (both halves). */
  offered(): bigint {
    this.common(0, 4, 0);
    const low = this.common(4);
    this.common(0, 4, 1);
    return (BigInt(this.common(4)) << 32n) | BigInt(low);
  }

  /** Negotiation (VERSION_1 and `features`), queue 0 at DESC/AVAIL/USED on vector 1, MSI-X on, DRIVER_OK. */
  setUp(slot: number, features = 0): void {
    this.probe(slot);
    this.common(20, 1, 0);
    this.common(20, 1, ACKNOWLEDGE | DRIVER);
    this.common(8, 4, 0);
    this.common(12, 4, features);
    this.common(8, 4, 1);
    this.common(12, 4, VERSION_1_HIGH);
    this.common(20, 1, ACKNOWLEDGE | DRIVER | FEATURES_OK);
    this.common(22, 2, 0);
    this.common(24, 2, QUEUE_SIZE);
    this.common(26, 2, 1);
    for (const [offset, address] of [[32, DESC], [40, AVAIL], [48, USED]]) {
      this.common(offset, 4, address);
      this.common(offset + 4, 4, 0);
    }
    this.common(28, 2, 1);
    this.config(slot, this.msix + 2, 2, 0x8000); // MSI-X enable
    const entry = 0x3800 + 16;
    this.write(entry, 4, 0xfee0_0000);
    this.write(entry + 4, 4, 0);
    this.write(entry + 8, 4, 0x41);
    this.write(entry + 12, 4, 0); // unmasked
    this.common(20, 1, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
  }

  /** Posts one chain of buffers (device-writable unless said otherwise) and notifies queue 0. */
  post(buffers: GuestBuffer[], head = 0): void {
    this.postOn(0, buffers, head);
  }

  /** Every MSI-X vector's message (data 0x40 + vector) unmasked, configuration changes on vector 0. */
  unmaskAll(vectors: number): void {
    this.common(16, 2, 0); // msix_config
    for (let v = 0; v < vectors; v++) {
      this.write(0x3800 + 16 * v, 4, 0xfee0_0000);
      this.write(0x3800 + 16 * v + 8, 4, 0x40 + v);
      this.write(0x3800 + 16 * v + 12, 4, 0);
    }
  }

  /** Queue q (above 0) set up at RINGS[q] on vector q + 1, as setUp does queue 0. */
  enableQueue(q: number): void {
    this.common(22, 2, q);
    this.common(26, 2, q + 1);
    RINGS[q].forEach((address, i) => this.common(32 + 8 * i, 4, address));
    this.common(28, 2, 1);
  }

  /** Posts one chain on queue q, its descriptors from `head` on, and notifies the queue (unless told not to). */
  postOn(q: number, buffers: GuestBuffer[], head = 0, notify = true): void {
    const [desc, avail] = RINGS[q];
    buffers.forEach(([address, length, deviceWrites = true], i) => {
      const d = desc + 16 * (head + i);
      this.view.setBigUint64(d, BigInt(address), true);
      this.view.setUint32(d + 8, length, true);
      this.view.setUint16(d + 12, (deviceWrites ? 2 : 0) | (i < buffers.length - 1 ? 1 : 0), true);
      this.view.setUint16(d + 14, head + i + 1, true);
    });
    const index = this.view.getUint16(avail + 2, true);
    this.view.setUint16(avail + 4 + 2 * (index % QUEUE_SIZE), head, true);
    this.view.setUint16(avail + 2, index + 1, true);
    if (notify) this.write(this.caps.get(2)! + 4 * q, 2, 0);
  }

  usedIndex(q: number): number {
    return this.view.getUint16(RINGS[q][2] + 2, true);
  }

  /** Queue q's used element i: [chain head, bytes written]. */
  usedElement(q: number, i: number): [number, number] {
    const at = RINGS[q][2] + 4 + 8 * (i % QUEUE_SIZE);
    return [this.view.getUint32(at, true), this.view.getUint32(at + 4, true)];
  }

  msis(): number[][] {
    const v = this.core.vmmTakeMsis();
    return Array.from({ length: v.byteLength / 12 }, (_, i) => [v.getUint32(i * 12, true), v.getUint32(i * 12 + 4, true), v.getUint32(i * 12 + 8, true)]);
  }
}
