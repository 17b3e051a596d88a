// virtio-rng on PCI (core-wasm/vmm/virtio/) driven as Linux's virtio_pci and virtio-rng drivers
// drive it, over fake guest RAM: find the function and its capabilities, negotiate, set up the
// queue and an MSI-X vector, post buffers, and get them back filled, with an interrupt. Then what
// a broken driver does: the device reports DEVICE_NEEDS_RESET, the VMM stays up, a reset recovers.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { VmmEvent } from "../../src/host/core-abi.gen.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { bootRecords, pciDeviceRecords } from "../../src/vmm/machine.js";
import { exitLoopImage } from "../kvm/guest.js";

const CONFIG_ADDRESS = 0xcf8;
const CONFIG_DATA = 0xcfc;
const RANDOM_BYTE = 0x5a;
const [ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK, NEEDS_RESET] = [1, 2, 4, 8, 0x40];
const RAM = 1 << 20;
const [DESC, AVAIL, USED, DATA] = [0x1000, 0x2000, 0x3000, 0x10000];
const QUEUE_SIZE = 8;

class FakeGuest {
  readonly core = new Core(coreModule(), new MockCoreImports(RANDOM_BYTE));
  readonly ram = new Uint8Array(RAM);
  readonly view = new DataView(this.ram.buffer);
  bar = 0;
  caps = new Map<number, number>();
  msix = 0;

  constructor(slot = 3) {
    this.core.guestMemory = this.ram;
    this.core.vmmPciDevices(pciDeviceRecords([{ kind: "virtio-rng", bus: 0, slot, function: 0 }]));
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

  /** Negotiation, queue 0 at DESC/AVAIL/USED on vector 1, MSI-X on, DRIVER_OK. */
  setUp(slot: number): void {
    this.probe(slot);
    this.common(20, 1, 0);
    this.common(20, 1, ACKNOWLEDGE | DRIVER);
    this.common(8, 4, 1);
    this.common(12, 4, 1); // VERSION_1
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

  /** Posts one chain of device-writable buffers [address, length] and notifies queue 0. */
  post(buffers: [number, number][], head = 0): void {
    buffers.forEach(([address, length], i) => {
      const d = DESC + 16 * (head + i);
      this.view.setBigUint64(d, BigInt(address), true);
      this.view.setUint32(d + 8, length, true);
      this.view.setUint16(d + 12, 2 | (i < buffers.length - 1 ? 1 : 0), true);
      this.view.setUint16(d + 14, head + i + 1, true);
    });
    const index = this.view.getUint16(AVAIL + 2, true);
    this.view.setUint16(AVAIL + 4 + 2 * (index % QUEUE_SIZE), head, true);
    this.view.setUint16(AVAIL + 2, index + 1, true);
    this.write(this.caps.get(2)!, 2, 0);
  }

  msis(): number[][] {
    const v = this.core.vmmTakeMsis();
    return Array.from({ length: v.byteLength / 12 }, (_, i) => [v.getUint32(i * 12, true), v.getUint32(i * 12 + 4, true), v.getUint32(i * 12 + 8, true)]);
  }
}

test("the function is where its address puts it: virtio 1.x ids, a memory BAR the firmware placed, the capabilities Linux needs", (t) => {
  const g = new FakeGuest(7);
  t.is(g.config(7, 0x00), 0x1044_1af4, "vendor 1af4, device 0x1040 + 4 (rng)");
  t.is(g.config(7, 0x08) >>> 8, 0x00ff00);
  t.is(g.config(7, 0x08) & 0xff, 1, "revision 1: modern-only");
  t.is(g.config(7, 0x2c), 0x1100_1af4, "subsystem");
  t.is(g.config(7, 0x3d, 1), 1, "INTA");
  t.is(g.config(7, 0x3c, 1), 16 + ((7 + 0) % 8), "interrupt line: the _PRT's GSI for slot 7, INTA");
  t.is(g.config(7, 0x04, 2) & 0x2, 0x2, "memory decoding on");
  g.probe(7);
  t.is(g.bar, 0xc000_0000, "the first BAR of the window");
  g.config(7, 0x10, 4, 0xffff_ffff);
  t.is(g.config(7, 0x10), 0xffff_c000, "sized as 16 KiB of 32-bit memory");
  g.config(7, 0x10, 4, g.bar);
  t.deepEqual([...g.caps.entries()].sort(), [[1, 0x0000], [2, 0x3000], [3, 0x1000]], "common, notify, ISR (no device configuration)");
  t.is(g.config(7, g.msix + 2, 2) & 0x7ff, 1, "MSI-X: two vectors (configuration, queue)");
  t.is(g.common(18, 2), 1, "one queue");
  t.is(g.common(24, 2), 256, "of 256 entries");
});

test("the driver negotiates VERSION_1 only: FEATURES_OK stays off for anything else", (t) => {
  const g = new FakeGuest();
  g.probe(3);
  g.common(0, 4, 1);
  t.is(g.common(4), 1, "VERSION_1 is bit 32");
  g.common(0, 4, 0);
  t.is(g.common(4), 0);
  g.common(20, 1, ACKNOWLEDGE | DRIVER);
  g.common(8, 4, 0);
  g.common(12, 4, 1 << 28); // INDIRECT_DESC, not offered
  g.common(20, 1, ACKNOWLEDGE | DRIVER | FEATURES_OK);
  t.is(g.common(20, 1) & FEATURES_OK, 0);
  g.common(20, 1, 0);
  t.is(g.common(20, 1), 0, "reset");
});

test("posted buffers come back filled with random bytes, and the queue's vector fires", (t) => {
  const g = new FakeGuest();
  g.setUp(3);
  t.is(g.common(26, 2), 1, "vector 1 taken");
  g.post([[DATA, 64]]);
  t.is(g.view.getUint16(USED + 2, true), 1, "used index");
  t.deepEqual([g.view.getUint32(USED + 4, true), g.view.getUint32(USED + 8, true)], [0, 64]);
  t.true(g.ram.subarray(DATA, DATA + 64).every((b) => b === RANDOM_BYTE));
  t.is(g.ram[DATA + 64], 0, "nothing past the buffer");
  t.is(g.core.vmmEvents() & VmmEvent.MSI, VmmEvent.MSI);
  t.deepEqual(g.msis(), [[0xfee0_0000, 0, 0x41]]);
  // a chain of two buffers is one request
  g.post([[DATA + 0x100, 8], [DATA + 0x200, 8]], 2);
  t.deepEqual([g.view.getUint16(USED + 2, true), g.view.getUint32(USED + 12, true), g.view.getUint32(USED + 16, true)], [2, 2, 16]);
});

test("a masked vector holds its message in the PBA until unmasked; NO_INTERRUPT suppresses it", (t) => {
  const g = new FakeGuest();
  g.setUp(3);
  g.write(0x3800 + 16 + 12, 4, 1);
  g.post([[DATA, 16]]);
  t.deepEqual(g.msis(), []);
  t.is(g.read(0x3c00) & 2, 2, "pending bit of vector 1");
  g.write(0x3800 + 16 + 12, 4, 0);
  t.deepEqual(g.msis(), [[0xfee0_0000, 0, 0x41]]);
  t.is(g.read(0x3c00), 0);
  g.view.setUint16(AVAIL, 1, true); // VIRTQ_AVAIL_F_NO_INTERRUPT
  g.post([[DATA, 16]], 1);
  t.is(g.view.getUint16(USED + 2, true), 2, "served");
  t.deepEqual(g.msis(), [], "but not announced");
});

test("a broken queue sets DEVICE_NEEDS_RESET and nothing is written outside guest RAM; a reset recovers", (t) => {
  const cases: [string, (g: FakeGuest) => void][] = [
    ["a buffer past the end of RAM", (g) => g.post([[RAM - 8, 64]])],
    ["a head index past the queue", (g) => {
      g.view.setUint16(AVAIL + 4, QUEUE_SIZE + 3, true);
      g.view.setUint16(AVAIL + 2, 1, true);
      g.write(g.caps.get(2)!, 2, 0);
    }],
    ["a chain that loops", (g) => {
      g.view.setBigUint64(DESC, BigInt(DATA), true);
      g.view.setUint32(DESC + 8, 4, true);
      g.view.setUint16(DESC + 12, 3, true); // NEXT | WRITE
      g.view.setUint16(DESC + 14, 0, true); // …to itself
      g.view.setUint16(AVAIL + 4, 0, true);
      g.view.setUint16(AVAIL + 2, 1, true);
      g.write(g.caps.get(2)!, 2, 0);
    }],
  ];
  for (const [what, breakIt] of cases) {
    const g = new FakeGuest();
    g.setUp(3);
    breakIt(g);
    t.is(g.common(20, 1) & NEEDS_RESET, NEEDS_RESET, what);
    t.is(g.view.getUint16(USED + 2, true), 0, `${what}: nothing used`);
    // the driver resets and starts over: the device works again
    g.ram.fill(0, 0, DATA + 0x1000);
    g.setUp(3);
    t.is(g.common(20, 1) & NEEDS_RESET, 0, `${what}: reset`);
    g.post([[DATA, 8]]);
    t.is(g.view.getUint16(USED + 2, true), 1, `${what}: works after the reset`);
  }
});

test("without guest memory (a core that is no VMM) the queue faults instead of trapping", (t) => {
  const g = new FakeGuest();
  g.setUp(3);
  g.core.guestMemory = undefined;
  g.write(g.caps.get(2)!, 2, 0);
  t.is(g.common(20, 1) & NEEDS_RESET, NEEDS_RESET);
});
