// virtio-balloon on PCI (core-wasm/vmm/virtio/balloon.ts) driven as Linux's virtio_balloon drives
// it, over fake guest RAM: the host's target reaches the guest with a configuration interrupt,
// inflated pages come back to the host as coalesced ranges to discard, the guest's "actual" is
// kept, and its statistics are held until the host asks for fresh ones.
import test from "ava";
import { VmmEvent } from "../../src/host/core-abi.gen.js";
import { DATA, FakeGuest, RINGS } from "../support/virtio-guest.js";

const SLOT = 5;
const F_STATS_VQ = 1 << 1;
const F_DEFLATE_ON_OOM = 1 << 2;

class BalloonGuest extends FakeGuest {
  constructor(deflateOnOom = false) {
    super(SLOT, { kind: "virtio-balloon", deflateOnOom });
  }

  /** The driver's setup with all three queues: 0 inflate, 1 deflate, 2 stats (queue i on MSI-X vector i + 1). */
  setUpAll(): void {
    this.setUp(SLOT, F_STATS_VQ);
    this.unmaskAll(4);
    this.enableQueue(1);
    this.enableQueue(2);
  }

  /** Posts one chain of one buffer on queue q and notifies it. */
  postOne(q: number, address: number, length: number, deviceWrites: boolean): void {
    this.postOn(q, [[address, length, deviceWrites]], this.view.getUint16(RINGS[q][1] + 2, true) % 8);
  }

  discards(): number[][] {
    const v = this.core.vmmTakeDiscards();
    return Array.from({ length: v.byteLength / 16 }, (_, i) => [v.getFloat64(16 * i, true), v.getFloat64(16 * i + 8, true)]);
  }

  state() {
    const v = this.core.vmmBalloonState();
    return { target: v.getUint32(0, true), actual: v.getUint32(4, true), updated: v.getFloat64(8, true), stats: Array.from({ length: 10 }, (_, i) => v.getFloat64(16 + 8 * i, true)) };
  }
}

test("the function is a virtio balloon with three queues, offering stats (and deflate-on-OOM when asked)", (t) => {
  const g = new BalloonGuest();
  t.is(g.config(SLOT, 0x00), 0x1045_1af4, "device 0x1040 + 5 (balloon)");
  g.probe(SLOT);
  t.is(g.common(18, 2), 3);
  t.is(Number(g.offered() & 0xffffffffn), F_STATS_VQ);
  const oom = new BalloonGuest(true);
  oom.probe(SLOT);
  t.is(Number(oom.offered() & 0xffffffffn), F_STATS_VQ | F_DEFLATE_ON_OOM);
});

test("the host's target reaches the guest by a configuration interrupt; inflated pages come back as ranges to discard", (t) => {
  const g = new BalloonGuest();
  g.setUpAll();
  g.core.vmmTakeMsis();
  const generation = g.common(21, 1);
  t.is(g.core.vmmBalloonTarget(300), 1);
  t.is(g.deviceConfig(0), 300, "num_pages");
  t.not(g.common(21, 1), generation, "the configuration generation moved");
  const msis = g.core.vmmTakeMsis();
  t.is(msis.getUint32(8, true), 0x40, "on the configuration vector");
  // the guest gives pages 0x100–0x102 and 0x200 (le32 page frame numbers, 4 KiB pages)
  [0x100, 0x101, 0x102, 0x200].forEach((pfn, i) => g.view.setUint32(DATA + 4 * i, pfn, true));
  g.postOne(0, DATA, 16, false);
  t.is(g.usedIndex(0), 1);
  t.is(g.core.vmmEvents() & VmmEvent.DISCARD, VmmEvent.DISCARD);
  t.deepEqual(g.discards(), [[0x100000, 3 * 4096], [0x200000, 4096]]);
  t.deepEqual(g.discards(), [], "taken once");
  g.deviceConfig(4, 4, 4);
  t.like(g.state(), { target: 300, actual: 4 });
  // deflate: buffers come back, nothing to discard
  g.postOne(1, DATA, 8, false);
  t.is(g.usedIndex(1), 1);
  t.deepEqual(g.discards(), []);
});

test("the guest's statistics are held until the host asks; a refresh hands the buffer back and the guest's answer is kept", (t) => {
  const g = new BalloonGuest();
  g.setUpAll();
  t.is(g.core.vmmBalloonRefresh(), 0, "nothing posted yet");
  // tag 4 (free memory) = 1 MiB, tag 5 (total) = 64 MiB: {le16 tag, le64 value} packed
  const stat = (at: number, tag: number, value: number) => {
    g.view.setUint16(at, tag, true);
    g.view.setBigUint64(at + 2, BigInt(value), true);
  };
  stat(DATA, 4, 1 << 20);
  stat(DATA + 10, 5, 64 << 20);
  g.postOne(2, DATA, 20, false);
  t.is(g.usedIndex(2), 0, "held");
  const first = g.state();
  t.true(first.updated > 0);
  t.deepEqual(first.stats.slice(3, 7), [-1, 1 << 20, 64 << 20, -1]);
  g.core.vmmTakeMsis();
  t.is(g.core.vmmBalloonRefresh(), 1);
  t.is(g.usedIndex(2), 1, "handed back");
  t.is(g.core.vmmTakeMsis().getUint32(8, true), 0x43, "on the stats queue's vector");
  t.is(g.core.vmmBalloonRefresh(), 0, "nothing held until the guest posts again");
  stat(DATA, 4, 2 << 20);
  g.postOne(2, DATA, 10, false);
  t.is(g.state().stats[4], 2 << 20);
});

test("a machine without a balloon says so; the target is kept for one that boots with it", (t) => {
  const g = new FakeGuest();
  t.is(g.core.vmmBalloonTarget(10), 0);
  t.is(g.core.vmmBalloonRefresh(), -1);
});
