// vhost-net for virtio NICs: the core hands the rings over at DRIVER_OK (core-wasm/vmm/virtio/
// net.ts, vhost-program.ts), follows the guest's MSI-X vectors with GSI routes and irqfds, and
// takes the rings back at reset; the host carries the records out with the shim's calls
// (src/vmm/vhost.ts). Driven here as Linux's virtio_net drives the device, over fake guest RAM,
// with fake KVM and vhost shims; the kernel's side runs in test:kvm.
import test from "ava";
import { ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK, FakeGuest, QUEUE_SIZE, RINGS } from "../support/virtio-guest.js";
import { FakeTap } from "../support/fake-tap.js";
import { FakeKvm } from "../support/fake-kvm.js";
import { openVhost, VhostRings } from "../../src/vmm/vhost.js";
import type { VhostShim } from "../../src/host/native.js";
import { ErrorNumber, VirtError } from "../../src/errors.js";

const SLOT = 4;
const TAP = 9;
const VHOST = 40;
const F_MAC = 1 << 5;
const F_MRG_RXBUF = 1 << 15;
const F_VERSION_1 = 2 ** 32;
/** What vhost-net offers (6.1): MRG_RXBUF, ANY_LAYOUT/its own header, INDIRECT, EVENT_IDX, VERSION_1. */
const VHOST_FEATURES = F_MRG_RXBUF + (1 << 27) + (1 << 28) + (1 << 29) + F_VERSION_1;
const [RECEIVE, TRANSMIT] = [0, 1];
const [FEATURES, RING, KICK, CALL, BACKEND, RELEASE, ROUTES, NOTIFY] = [1, 2, 3, 4, 5, 6, 7, 8];
const FIRST_MSI_GSI = 24;

type Step = [op: number, index: number, value: number, value2?: number, ...addresses: number[]];

class VhostGuest extends FakeGuest {
  readonly tap = new FakeTap();

  constructor(notifyAnyLength = true) {
    const tap = new FakeTap();
    super(SLOT, { kind: "virtio-net", nic: { handle: TAP, mac: "52:54:00:12:34:56", mtu: 0 } }, (core) => (core.netIo = tap.io), new Map([[TAP, { handle: VHOST, features: VHOST_FEATURES, notifyAnyLength }]]));
    this.tap = tap;
  }

  /** virtio_net's probe: features, both rings (receive on vector 1, transmit on 2), MSI-X on and unmasked, then DRIVER_OK. */
  start(features: number, msix = true): void {
    this.probe(SLOT);
    this.common(20, 1, 0);
    this.common(20, 1, ACKNOWLEDGE | DRIVER);
    this.common(8, 4, 0);
    this.common(12, 4, features);
    this.common(8, 4, 1);
    this.common(12, 4, 1);
    this.common(20, 1, ACKNOWLEDGE | DRIVER | FEATURES_OK);
    if (msix) {
      this.config(SLOT, this.msix + 2, 2, 0x8000);
      this.unmaskAll(3);
    }
    for (const q of [RECEIVE, TRANSMIT]) {
      this.common(22, 2, q);
      this.common(24, 2, QUEUE_SIZE);
      this.common(26, 2, msix ? q + 1 : 0xffff);
      RINGS[q].forEach((address, i) => this.common(32 + 8 * i, 4, address));
      this.common(28, 2, 1);
    }
    this.steps();
    this.common(20, 1, ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK);
  }

  /** The records since the last call: op, ring, value, value2, then the addresses that are not 0. */
  steps(): Step[] {
    const v = this.core.vmmTakeVhost();
    const out: Step[] = [];
    for (let at = 0; at < v.byteLength; at += 48) {
      assertVhostHandle(v.getInt32(at + 4, true));
      const addresses = [24, 32, 40].map((o) => v.getFloat64(at + o, true)).filter((a) => a !== 0);
      const value2 = v.getInt32(at + 16, true);
      const step: Step = [v.getInt32(at, true), v.getInt32(at + 8, true), v.getInt32(at + 12, true)];
      if (value2 !== 0 || addresses.length > 0) step.push(value2, ...addresses);
      out.push(step);
    }
    return out;
  }

  /** The VM's MSI routes: [gsi, address low, data]. */
  msiRoutes(): number[][] {
    const v = this.core.vmmIrqRouting();
    const routes: number[][] = [];
    for (let at = 8; at + 48 <= v.byteLength; at += 48) {
      if (v.getUint32(at + 4, true) === 2) routes.push([v.getUint32(at, true), v.getUint32(at + 16, true), v.getUint32(at + 24, true)]);
    }
    return routes;
  }

  notifyAddress(q: number): number {
    return this.bar + this.caps.get(2)! + 4 * q;
  }

  /** Masks or unmasks MSI-X vector v. */
  mask(v: number, masked: boolean): void {
    this.write(0x3800 + 16 * v + 12, 4, masked ? 1 : 0);
  }
}

function assertVhostHandle(handle: number): void {
  if (handle !== VHOST) throw new Error(`a record for vhost handle ${handle}`);
}

test("at DRIVER_OK the rings go to vhost-net: features, rings, notify addresses, MSI routes and irqfds, then the tap", (t) => {
  const g = new VhostGuest();
  g.start(F_MAC | F_MRG_RXBUF);
  t.deepEqual(g.steps(), [
    [FEATURES, 0, 0, 0, F_VERSION_1 + F_MRG_RXBUF],
    [RING, RECEIVE, QUEUE_SIZE, 0, ...RINGS[RECEIVE]],
    [KICK, RECEIVE, 0, 0, g.notifyAddress(RECEIVE)],
    [RING, TRANSMIT, QUEUE_SIZE, 0, ...RINGS[TRANSMIT]],
    [KICK, TRANSMIT, 0, 0, g.notifyAddress(TRANSMIT)],
    [ROUTES, 0, 0],
    [CALL, RECEIVE, FIRST_MSI_GSI],
    [CALL, TRANSMIT, FIRST_MSI_GSI + 1],
    [BACKEND, RECEIVE, TAP],
    [BACKEND, TRANSMIT, TAP],
  ]);
  t.deepEqual(g.msiRoutes(), [
    [FIRST_MSI_GSI, 0xfee0_0000, 0x41],
    [FIRST_MSI_GSI + 1, 0xfee0_0000, 0x42],
  ]);
});

test("without KVM's any-length ioeventfd the notify match is the driver's 16-bit write", (t) => {
  const g = new VhostGuest(false);
  g.start(F_MRG_RXBUF);
  t.deepEqual(
    g.steps().filter(([op]) => op === KICK),
    [
      [KICK, RECEIVE, 2, 0, g.notifyAddress(RECEIVE)],
      [KICK, TRANSMIT, 2, 0, g.notifyAddress(TRANSMIT)],
    ],
  );
});

test("while vhost serves the rings the VMM leaves them alone: a notification that exits anyway is passed to vhost's kick", (t) => {
  const g = new VhostGuest();
  g.start(F_MRG_RXBUF);
  g.steps();
  g.postOn(TRANSMIT, [[0x10000, 72, false]]);
  t.deepEqual(g.tap.sent, [], "the VMM sent nothing");
  t.is(g.usedIndex(TRANSMIT), 0);
  t.deepEqual(g.steps(), [[NOTIFY, TRANSMIT, 0]]);
  g.tap.waiting.push(new Uint8Array(100));
  g.core.vmmNetPoll();
  t.is(g.usedIndex(RECEIVE), 0, "nor does it receive");
  t.deepEqual(g.msis(), [], "vhost raises the interrupts");
});

test("a masked vector takes its ring's irqfd away until it is unmasked, keeping its route; a new message moves the route", (t) => {
  const g = new VhostGuest();
  g.start(F_MRG_RXBUF);
  g.steps();
  g.mask(2, true);
  t.deepEqual(g.steps(), [[CALL, TRANSMIT, -1]], "the irqfd goes first: no signal meets a GSI without a route");
  g.write(0x3800 + 32 + 8, 4, 0x52); // Linux writes a new message while the entry is masked
  t.deepEqual(g.steps(), []);
  g.mask(2, false);
  t.deepEqual(g.steps(), [
    [ROUTES, 0, 0],
    [CALL, TRANSMIT, FIRST_MSI_GSI + 1],
  ]);
  t.deepEqual(g.msiRoutes()[1], [FIRST_MSI_GSI + 1, 0xfee0_0000, 0x52], "the route has the message as it is at unmask");
  g.write(0x3800 + 16 + 8, 4, 0x51);
  t.deepEqual(g.steps(), [[ROUTES, 0, 0]], "an unmasked vector's new message: the irqfd stays, KVM follows the route");
  t.deepEqual(g.msiRoutes()[0], [FIRST_MSI_GSI, 0xfee0_0000, 0x51]);
  g.config(SLOT, g.msix + 2, 2, 0xc000); // function mask
  t.deepEqual(g.steps(), [
    [CALL, RECEIVE, -1],
    [CALL, TRANSMIT, -1],
  ]);
});

test("a paused guest's rings stop: vhost lets go of the tap until it runs again", (t) => {
  const g = new VhostGuest();
  g.start(F_MRG_RXBUF);
  g.steps();
  g.core.vmmNetPause(1);
  t.deepEqual(g.steps(), [
    [BACKEND, RECEIVE, -1],
    [BACKEND, TRANSMIT, -1],
  ]);
  g.core.vmmNetPause(0);
  t.deepEqual(g.steps(), [
    [BACKEND, RECEIVE, TAP],
    [BACKEND, TRANSMIT, TAP],
  ]);
  g.common(20, 1, 0);
  g.steps();
  g.core.vmmNetPause(1);
  t.deepEqual(g.steps(), [], "rings the VMM serves need nothing");
});

test("a reset takes the rings back: vhost lets go of the tap, KVM of the eventfds, the routes go", (t) => {
  const g = new VhostGuest();
  g.start(F_MRG_RXBUF);
  g.steps();
  g.common(20, 1, 0);
  t.deepEqual(g.steps(), [
    [BACKEND, RECEIVE, -1],
    [RELEASE, RECEIVE, 0],
    [BACKEND, TRANSMIT, -1],
    [RELEASE, TRANSMIT, 0],
    [ROUTES, 0, 0],
  ]);
  t.deepEqual(g.msiRoutes(), []);
  g.start(F_MRG_RXBUF);
  t.is(g.steps()[0][0], FEATURES, "the next DRIVER_OK hands them over again");
});

test("without MSI-X the VMM serves the rings itself", (t) => {
  const g = new VhostGuest();
  g.start(F_MRG_RXBUF, false);
  t.deepEqual(g.steps(), []);
  g.postOn(TRANSMIT, [[0x10000, 72, false]]);
  t.is(g.tap.sent.length, 1);
});

/** A vhost shim that records its calls. */
class FakeVhost implements VhostShim {
  readonly calls: [string, ...unknown[]][] = [];
  failOpen = false;
  open(): number {
    if (this.failOpen) throw Object.assign(new Error("open '/dev/vhost-net': No such file or directory"), { errno: 2 });
    this.calls.push(["open"]);
    return VHOST;
  }
  close(handle: number): void {
    this.calls.push(["close", handle]);
  }
  features(): number {
    return VHOST_FEATURES;
  }
  setFeatures(handle: number, features: number): void {
    this.calls.push(["setFeatures", handle, features]);
  }
  setMemTable(handle: number, ram: ArrayBuffer): void {
    this.calls.push(["setMemTable", handle, ram.byteLength]);
  }
  setRingSize(handle: number, index: number, size: number): void {
    this.calls.push(["setRingSize", handle, index, size]);
  }
  setRingBase(handle: number, index: number, next: number): void {
    this.calls.push(["setRingBase", handle, index, next]);
  }
  setRingAddresses(handle: number, index: number, size: number, _ram: ArrayBuffer, descriptors: number, available: number, used: number): void {
    this.calls.push(["setRingAddresses", handle, index, size, descriptors, available, used]);
  }
  setRingKick(handle: number, index: number, eventfd: number): void {
    this.calls.push(["setRingKick", handle, index, eventfd]);
  }
  setRingCall(handle: number, index: number, eventfd: number): void {
    this.calls.push(["setRingCall", handle, index, eventfd]);
  }
  setBackend(handle: number, index: number, tap: number): void {
    this.calls.push(["setBackend", handle, index, tap]);
  }
}

test("the host carries the records out: eventfds per ring, ioeventfd and irqfd on the VM, vhost's ioctls in order", (t) => {
  const g = new VhostGuest();
  g.start(F_MRG_RXBUF);
  const kvm = new FakeKvm();
  const system = kvm.open();
  const vm = kvm.createVm(system);
  const vhost = new FakeVhost();
  // the routing table as Machine takes it: from the core, whose output holds the records too
  const rings = new VhostRings(kvm, vhost, vm, g.ram.buffer, () => new Uint8Array(g.core.vmmIrqRouting().buffer.slice(0)), (line) => t.fail(line));
  rings.carryOut(g.core.vmmTakeVhost());
  const [kick0, call0, kick1, call1] = kvm.madeOf("eventfd");
  t.deepEqual(vhost.calls, [
    ["setFeatures", VHOST, F_VERSION_1 + F_MRG_RXBUF],
    ["setMemTable", VHOST, g.ram.byteLength],
    ["setRingSize", VHOST, RECEIVE, QUEUE_SIZE],
    ["setRingBase", VHOST, RECEIVE, 0],
    ["setRingAddresses", VHOST, RECEIVE, QUEUE_SIZE, ...RINGS[RECEIVE]],
    ["setRingCall", VHOST, RECEIVE, call0],
    ["setRingKick", VHOST, RECEIVE, kick0],
    ["setRingSize", VHOST, TRANSMIT, QUEUE_SIZE],
    ["setRingBase", VHOST, TRANSMIT, 0],
    ["setRingAddresses", VHOST, TRANSMIT, QUEUE_SIZE, ...RINGS[TRANSMIT]],
    ["setRingCall", VHOST, TRANSMIT, call1],
    ["setRingKick", VHOST, TRANSMIT, kick1],
    ["setBackend", VHOST, RECEIVE, TAP],
    ["setBackend", VHOST, TRANSMIT, TAP],
  ]);
  t.deepEqual(kvm.callsOf("ioeventfd"), [
    [vm, g.notifyAddress(RECEIVE), 0, kick0, true],
    [vm, g.notifyAddress(TRANSMIT), 0, kick1, true],
  ]);
  t.deepEqual(kvm.callsOf("irqfd"), [
    [vm, call0, FIRST_MSI_GSI, true],
    [vm, call1, FIRST_MSI_GSI + 1, true],
  ]);
  t.is(kvm.callsOf("setGsiRouting").length, 1);
  g.mask(1, true);
  rings.carryOut(g.core.vmmTakeVhost());
  t.deepEqual(kvm.callsOf("irqfd").at(-1), [vm, call0, FIRST_MSI_GSI, false]);
  rings.close();
  t.deepEqual(kvm.callsOf("ioeventfd").slice(2), [
    [vm, g.notifyAddress(RECEIVE), 0, kick0, false],
    [vm, g.notifyAddress(TRANSMIT), 0, kick1, false],
  ]);
  t.deepEqual(kvm.callsOf("irqfd").slice(3), [[vm, call1, FIRST_MSI_GSI + 1, false]], "the masked ring's irqfd was gone already");
  t.deepEqual(kvm.openDescriptors(), [system, vm], "every eventfd closed");
});

test("after a step fails vhost is not given the tap: it would serve the rings it had before", (t) => {
  const g = new VhostGuest();
  g.start(F_MRG_RXBUF);
  const kvm = new FakeKvm();
  const vm = kvm.createVm(kvm.open());
  const vhost = new FakeVhost();
  vhost.setRingAddresses = () => {
    throw new Error("VHOST_SET_VRING_ADDR '40': Bad address");
  };
  const logged: string[] = [];
  const rings = new VhostRings(kvm, vhost, vm, g.ram.buffer, () => new Uint8Array(g.core.vmmIrqRouting().buffer.slice(0)), (line) => logged.push(line));
  rings.carryOut(g.core.vmmTakeVhost());
  t.deepEqual(vhost.calls.filter(([name]) => name === "setBackend"), []);
  t.regex(logged[0], /^vhost-net ring 0: VHOST_SET_VRING_ADDR '40': Bad address; the NIC stays without vhost until the guest resets it$/);
  kvm.ioeventfd = () => {
    throw new Error("KVM_IOEVENTFD: File exists");
  };
  const again = new FakeVhost();
  const rings2 = new VhostRings(kvm, again, vm, g.ram.buffer, () => new Uint8Array(8), (line) => logged.push(line));
  g.common(20, 1, 0);
  g.start(F_MRG_RXBUF);
  rings2.carryOut(g.core.vmmTakeVhost());
  t.is(again.calls.filter(([name]) => name === "setRingKick").length, 2, "vhost still listens on the kick eventfd: the core passes exits on to it");
  t.is(again.calls.filter(([name]) => name === "setBackend").length, 2, "a notify match KVM refused is no reason to stop");
  t.regex(logged.at(-1)!, /its notifications go through the VMM$/);
});

test("vhost-net where the host has it; <driver name='vhost'> without it fails the start, name='qemu' never opens it", (t) => {
  const kvm = new FakeKvm();
  const system = kvm.open();
  kvm.extensions.set(32, 1).set(36, 1).set(122, 1);
  const vhost = new FakeVhost();
  t.deepEqual(openVhost(kvm, vhost, system, "auto"), { handle: VHOST, features: VHOST_FEATURES, notifyAnyLength: true });
  t.is(openVhost(kvm, vhost, system, "off"), undefined);
  t.deepEqual(vhost.calls, [["open"]]);
  vhost.failOpen = true;
  t.is(openVhost(kvm, vhost, system, "auto"), undefined, "libvirt's fallback: the VMM serves the rings");
  const e = t.throws(() => openVhost(kvm, vhost, system, "on"), { instanceOf: VirtError });
  t.is(e?.code, ErrorNumber.VIR_ERR_SYSTEM_ERROR);
  t.is(e?.message, "vhost-net was requested for an interface, but is unavailable: open '/dev/vhost-net': No such file or directory");
  vhost.failOpen = false;
  kvm.extensions.delete(32);
  t.is(openVhost(kvm, vhost, system, "auto"), undefined, "no irqfd: no vhost");
});
