// virtio-net on PCI (core-wasm/vmm/virtio/net.ts) driven as Linux's virtio_net drives it, over
// fake guest RAM and an in-memory tap: frames go out whole (header and all) from the transmit
// queue, come in through the receive queue (one chain each, or several with mergeable buffers and
// num_buffers saying how many), the driver's receive offloads reach the tap, and the host is asked
// to wake the VMM only when the guest has room and the tap has nothing.
import test from "ava";
import { ACKNOWLEDGE, DATA, DRIVER, FakeGuest } from "../support/virtio-guest.js";
import { FakeTap } from "../support/fake-tap.js";

const SLOT = 4;
const MAC = "52:54:00:12:34:56";
const [F_CSUM, F_GUEST_CSUM, F_MTU, F_MAC, F_GUEST_TSO4, F_HOST_TSO4, F_MRG_RXBUF, F_STATUS] = [1 << 0, 1 << 1, 1 << 3, 1 << 5, 1 << 7, 1 << 11, 1 << 15, 1 << 16];
const [TUN_F_CSUM, TUN_F_TSO4] = [1, 2];
const HEADER = 12;
const [RECEIVE, TRANSMIT] = [0, 1];

class NetGuest extends FakeGuest {
  readonly tap: FakeTap;

  constructor(mtu = 0) {
    const tap = new FakeTap();
    super(SLOT, { kind: "virtio-net", nic: { handle: 9, mac: MAC, mtu } }, (core) => (core.netIo = tap.io));
    this.tap = tap;
  }

  /** The driver's setup: `features`, both queues (receive on vector 1, transmit on 2), every vector unmasked. */
  setUpBoth(features: number): void {
    this.setUp(SLOT, features);
    this.unmaskAll(3);
    this.enableQueue(TRANSMIT);
  }

  /** A frame of `length` bytes after a header, its bytes counting up from `seed`. */
  static frame(length: number, seed = 0): Uint8Array {
    const f = new Uint8Array(HEADER + length);
    for (let i = 0; i < length; i++) f[HEADER + i] = (seed + i) & 0xff;
    return f;
  }
}

test("the function is a virtio NIC: the MAC and link status in its configuration, offloads and mergeable buffers offered", (t) => {
  const g = new NetGuest();
  t.is(g.config(SLOT, 0x00), 0x1041_1af4, "device 0x1040 + 1 (net)");
  t.is(g.config(SLOT, 0x08) >>> 8, 0x020000, "Ethernet controller");
  g.probe(SLOT);
  t.is(g.common(18, 2), 2, "receive and transmit queues");
  const mac = Array.from({ length: 6 }, (_, i) => g.deviceConfig(i, 1).toString(16).padStart(2, "0")).join(":");
  t.is(mac, MAC);
  t.is(g.deviceConfig(6, 2), 1, "link up");
  const offered = Number(g.offered() & 0xffffffffn);
  for (const f of [F_CSUM, F_GUEST_CSUM, F_MAC, F_GUEST_TSO4, F_HOST_TSO4, F_MRG_RXBUF, F_STATUS]) t.is(offered & f, f);
  t.is(offered & F_MTU, 0, "no <mtu>, no MTU feature");
  const jumbo = new NetGuest(9000);
  jumbo.probe(SLOT);
  t.is(Number(jumbo.offered() & 0xffffffffn) & F_MTU, F_MTU);
  t.is(jumbo.deviceConfig(10, 2), 9000);
});

test("a transmitted chain is one frame for the tap, header and all; the chain comes back with its interrupt", (t) => {
  const g = new NetGuest();
  g.setUpBoth(F_MAC | F_CSUM);
  g.core.vmmTakeMsis();
  const frame = NetGuest.frame(60, 7);
  g.ram.set(frame.subarray(0, HEADER), DATA);
  g.ram.set(frame.subarray(HEADER), DATA + 0x100);
  g.postOn(TRANSMIT, [
    [DATA, HEADER, false],
    [DATA + 0x100, 60, false],
  ]);
  t.deepEqual(g.tap.sent, [frame]);
  t.is(g.usedIndex(TRANSMIT), 1);
  t.deepEqual(g.usedElement(TRANSMIT, 0), [0, 0]);
  t.deepEqual(g.msis(), [[0xfee0_0000, 0, 0x42]], "on the transmit queue's vector");
});

test("with mergeable buffers a frame fills as many chains as it needs, and its header says how many", (t) => {
  const g = new NetGuest();
  g.setUpBoth(F_MAC | F_MRG_RXBUF);
  t.is(g.tap.offloads, 0, "no receive offloads taken");
  g.postOn(RECEIVE, [[DATA, 1024]], 0);
  t.is(g.tap.watches, 0, "room for less than a full frame: nothing read yet");
  g.postOn(RECEIVE, [[DATA + 0x1000, 1024]], 1);
  t.is(g.tap.watches, 1, "room, nothing on the tap: wake the VMM when a frame comes");
  t.is(g.usedIndex(RECEIVE), 0);
  const frame = NetGuest.frame(1800, 3);
  g.tap.waiting.push(frame);
  g.core.vmmTakeMsis();
  g.core.vmmNetPoll();
  t.is(g.usedIndex(RECEIVE), 2);
  t.deepEqual([g.usedElement(RECEIVE, 0), g.usedElement(RECEIVE, 1)], [[0, 1024], [1, HEADER + 1800 - 1024]]);
  t.is(g.view.getUint16(DATA + 10, true), 2, "num_buffers");
  t.deepEqual(g.ram.subarray(DATA + HEADER, DATA + 1024), frame.subarray(HEADER, 1024));
  t.deepEqual(g.ram.subarray(DATA + 0x1000, DATA + 0x1000 + HEADER + 1800 - 1024), frame.subarray(1024));
  t.deepEqual(g.msis(), [[0xfee0_0000, 0, 0x41]], "on the receive queue's vector");
  t.is(g.tap.watches, 1, "no chains left: no wake-up until the driver posts more");
});

test("the driver's receive offloads reach the tap; a large frame waits until the driver posts room for the largest", (t) => {
  const g = new NetGuest();
  g.setUpBoth(F_MAC | F_GUEST_CSUM | F_GUEST_TSO4 | F_MRG_RXBUF);
  t.is(g.tap.offloads, TUN_F_CSUM | TUN_F_TSO4);
  g.tap.waiting.push(NetGuest.frame(20000));
  for (let i = 0; i < 7; i++) g.postOn(RECEIVE, [[DATA + i * 9000, 9000]], i);
  t.is(g.usedIndex(RECEIVE), 0, "63,000 bytes of room: less than a 64 KiB TSO frame");
  g.postOn(RECEIVE, [[DATA + 7 * 9000, 9000]], 7);
  t.is(g.usedIndex(RECEIVE), 3, "20,012 bytes in three chains");
  t.is(g.view.getUint16(DATA + 10, true), 3);
  t.deepEqual(g.usedElement(RECEIVE, 2), [2, HEADER + 20000 - 18000]);
  g.common(20, 1, 0);
  t.is(g.tap.offloads, 0, "a reset takes them back");
});

test("a burst of frames fills the posted chains in order; the chains left over stay held and take the next frame", (t) => {
  const g = new NetGuest();
  g.setUpBoth(F_MAC | F_GUEST_CSUM | F_GUEST_TSO4 | F_MRG_RXBUF);
  const CHAIN = 16000;
  g.tap.waiting.push(NetGuest.frame(100, 1), NetGuest.frame(20000, 2), NetGuest.frame(200, 3));
  for (let i = 0; i < 8; i++) g.postOn(RECEIVE, [[DATA + i * CHAIN, CHAIN]], i, i === 7);
  t.is(g.usedIndex(RECEIVE), 4, "three frames in four chains");
  const used = [0, 1, 2, 3].map((i) => g.usedElement(RECEIVE, i));
  t.deepEqual(used, [[0, HEADER + 100], [1, CHAIN], [2, HEADER + 20000 - CHAIN], [3, HEADER + 200]]);
  t.deepEqual([0, 1, 3].map((chain) => g.view.getUint16(DATA + chain * CHAIN + 10, true)), [1, 2, 1], "num_buffers of each frame");
  t.is(g.ram[DATA + 3 * CHAIN + HEADER + 199], (3 + 199) & 0xff);
  t.is(g.tap.watches, 0, "64,000 bytes left: too little for the largest frame, so no wake-up asked");
  for (let i = 0; i < 4; i++) g.postOn(RECEIVE, [[DATA + i * CHAIN, CHAIN]], i, i === 3);
  t.is(g.tap.watches, 1, "room again, and the tap is dry");
  g.tap.waiting.push(NetGuest.frame(300, 4));
  g.core.vmmNetPoll();
  t.deepEqual(g.usedElement(RECEIVE, 4), [4, HEADER + 300], "the first chain not used before");
});

test("chains held across a reset are dropped: after the driver sets up again, frames go to its new buffers", (t) => {
  const g = new NetGuest();
  g.setUpBoth(F_MAC | F_GUEST_CSUM | F_GUEST_TSO4 | F_MRG_RXBUF);
  const CHAIN = 16000;
  for (let i = 0; i < 8; i++) g.postOn(RECEIVE, [[DATA + i * CHAIN, CHAIN]], i, i === 7);
  t.is(g.tap.watches, 1, "room held, the tap dry");
  g.common(20, 1, 0);
  g.setUpBoth(F_MAC | F_GUEST_CSUM | F_GUEST_TSO4 | F_MRG_RXBUF);
  const fresh = DATA + 8 * CHAIN;
  for (let i = 0; i < 8; i++) g.postOn(RECEIVE, [[fresh + i * CHAIN, CHAIN]], i, i === 7);
  g.tap.waiting.push(NetGuest.frame(100, 9));
  g.core.vmmNetPoll();
  t.deepEqual(g.usedElement(RECEIVE, 0), [0, HEADER + 100]);
  t.is(g.ram[fresh + HEADER + 99], (9 + 99) & 0xff, "in the buffer posted after the reset");
  t.is(g.ram[DATA + HEADER + 99], 0, "not in the one held before it");
});

test("without mergeable buffers each frame takes one chain, whatever its buffers", (t) => {
  const g = new NetGuest();
  g.setUpBoth(F_MAC);
  g.tap.waiting.push(NetGuest.frame(100, 1), NetGuest.frame(1514, 2));
  g.postOn(RECEIVE, [[DATA, HEADER], [DATA + 0x100, 1518]], 0);
  g.postOn(RECEIVE, [[DATA + 0x1000, HEADER], [DATA + 0x1100, 1518]], 2);
  t.is(g.usedIndex(RECEIVE), 2);
  t.deepEqual([g.usedElement(RECEIVE, 0), g.usedElement(RECEIVE, 1)], [[0, HEADER + 100], [2, HEADER + 1514]]);
  t.is(g.view.getUint16(DATA + 10, true), 1, "num_buffers is 1");
  t.is(g.ram[DATA + 0x1100 + 1513], (2 + 1513) & 0xff);
});

test("a frame the guest points outside its RAM fails alone: the chain comes back, the VMM and the queue go on", (t) => {
  const g = new NetGuest();
  g.setUpBoth(F_MAC);
  g.postOn(TRANSMIT, [[(1 << 20) - 8, 64, false]], 0);
  t.deepEqual(g.tap.sent, []);
  t.is(g.usedIndex(TRANSMIT), 1);
  const stats = g.core.vmmNetStats();
  t.is(stats.getFloat64(40, true), 1, "one send error");
  g.ram.set(NetGuest.frame(40), DATA);
  g.postOn(TRANSMIT, [[DATA, HEADER + 40, false]], 1);
  t.is(g.tap.sent.length, 1);
  t.is(g.common(20, 1) & 0x40, 0, "no DEVICE_NEEDS_RESET");
  t.is(g.common(20, 1) & (ACKNOWLEDGE | DRIVER), ACKNOWLEDGE | DRIVER);
});
