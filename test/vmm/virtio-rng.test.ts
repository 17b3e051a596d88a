// virtio-rng on PCI (core-wasm/vmm/virtio/) driven as Linux's virtio_pci and virtio-rng drivers
// drive it, over fake guest RAM: find the function and its capabilities, negotiate, set up the
// queue and an MSI-X vector, post buffers, and get them back filled, with an interrupt. Then what
// a broken driver does: the device reports DEVICE_NEEDS_RESET, the VMM stays up, a reset recovers.
import test from "ava";
import { VmmEvent } from "../../src/host/core-abi.gen.js";
import { ACKNOWLEDGE, AVAIL, DATA, DESC, DRIVER, FEATURES_OK, FakeGuest, NEEDS_RESET, QUEUE_SIZE, RAM, RANDOM_BYTE, USED } from "../support/virtio-guest.js";

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
