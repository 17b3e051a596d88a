// The guest's PCI configuration space (core-wasm/vmm/pci/) as Linux probes it: mechanism #1 at
// 0xCF8/0xCFC (pci_check_type1: a dword latch that reads back; a byte at 0xCFB ignored), the host
// bridge its sanity check looks for on bus 0, bridges routing config cycles by their live bus
// numbers, and the same space through ECAM at 0xE0000000.
import test from "ava";
import { bootAgain, GuestPorts } from "../support/vmm-devices.js";

const CONFIG_ADDRESS = 0xcf8;
const CONFIG_DATA = 0xcfc;
const ECAM = 0xe000_0000;
const [PCI_BRIDGE, PCIE_ROOT_PORT] = [0, 1];

/** A machine whose PCI controllers are these [index, model, parent bus, slot, function] (parents first). */
function machine(bridges: [number, number, number, number, number][] = []): GuestPorts {
  const ports = new GuestPorts();
  const words = new Int32Array(bridges.flatMap(([index, model, parent, slot, fn]) => [index, model, parent, (slot << 3) | fn]));
  ports.core.vmmPciBridges(new Uint8Array(words.buffer));
  bootAgain(ports);
  return ports;
}

function address(bus: number, slot: number, fn: number, reg: number): number {
  return (0x8000_0000 | (bus << 16) | (slot << 11) | (fn << 8) | (reg & 0xfc)) >>> 0;
}

/** A config read through mechanism #1, as Linux's pci_conf1_read does it. */
function conf1Read(ports: GuestPorts, bus: number, slot: number, fn: number, reg: number, size = 4): number {
  ports.out(CONFIG_ADDRESS, 4, address(bus, slot, fn, reg));
  return ports.in(CONFIG_DATA + (reg & 3), size);
}

function conf1Write(ports: GuestPorts, bus: number, slot: number, fn: number, reg: number, size: number, value: number): void {
  ports.out(CONFIG_ADDRESS, 4, address(bus, slot, fn, reg));
  ports.out(CONFIG_DATA + (reg & 3), size, value);
}

function ecamRead(ports: GuestPorts, bus: number, slot: number, fn: number, reg: number, size = 4): number {
  return ports.core.vmmMmioRead(ECAM + ((bus << 20) | (slot << 15) | (fn << 12) | reg), size) >>> 0;
}

test("mechanism #1 is detected as Linux detects it: a byte at 0xCFB is ignored, the dword latch reads back", (t) => {
  const ports = machine();
  ports.outb(CONFIG_ADDRESS + 3, 0x01);
  ports.out(CONFIG_ADDRESS, 4, 0x8000_0000);
  t.is(ports.in(CONFIG_ADDRESS, 4), 0x8000_0000);
  // with the enable bit clear the data port answers nothing
  ports.out(CONFIG_ADDRESS, 4, 0);
  t.is(ports.in(CONFIG_DATA, 4), 0xffff_ffff);
});

test("00:00.0 is a host bridge (class 0600), what Linux's sanity scan needs without a BIOS date; empty slots read all ones", (t) => {
  const ports = machine();
  t.is(conf1Read(ports, 0, 0, 0, 0x00), 0x0008_1b36, "vendor 1b36, device 0008");
  t.is(conf1Read(ports, 0, 0, 0, 0x08) >>> 8, 0x060000, "class: host bridge");
  t.is(conf1Read(ports, 0, 0, 0, 0x0e, 1), 0x00, "header type 0, one function");
  t.is(conf1Read(ports, 0, 0, 0, 0x0a, 2), 0x0600, "a word read inside the dword");
  t.is(conf1Read(ports, 0, 1, 0, 0x00), 0xffff_ffff);
  t.is(conf1Read(ports, 0, 0, 1, 0x00, 2), 0xffff);
  t.is(conf1Read(ports, 7, 0, 0, 0x00), 0xffff_ffff, "no bus 7");
});

test("registers keep only the bits the guest may write", (t) => {
  const ports = machine();
  conf1Write(ports, 0, 0, 0, 0x00, 4, 0x1234_5678);
  t.is(conf1Read(ports, 0, 0, 0, 0x00), 0x0008_1b36, "ids are read-only");
  conf1Write(ports, 0, 0, 0, 0x04, 2, 0xffff);
  t.is(conf1Read(ports, 0, 0, 0, 0x04, 2), 0x0547, "command: decode, master, SERR#, INTx disable");
  conf1Write(ports, 0, 0, 0, 0x3c, 1, 11);
  t.is(conf1Read(ports, 0, 0, 0, 0x3c, 1), 11, "interrupt line");
  conf1Write(ports, 5, 0, 0, 0x04, 2, 0xffff);
  t.is(conf1Read(ports, 5, 0, 0, 0x04, 2), 0xffff, "a write to nothing is dropped");
});

test("q35's root ports share slot 1 as functions: function 0 says multifunction, each leads to the bus its index names", (t) => {
  const ports = machine([
    [1, PCIE_ROOT_PORT, 0, 1, 0],
    [2, PCIE_ROOT_PORT, 0, 1, 1],
    [3, PCIE_ROOT_PORT, 0, 1, 2],
  ]);
  t.is(conf1Read(ports, 0, 1, 0, 0x0e, 1), 0x81, "bridge header, multifunction");
  t.is(conf1Read(ports, 0, 1, 2, 0x0e, 1), 0x01);
  t.is(conf1Read(ports, 0, 1, 0, 0x08) >>> 8, 0x060400, "class: PCI-to-PCI bridge");
  for (let fn = 0; fn < 3; fn++) {
    t.is(conf1Read(ports, 0, 1, fn, 0x18) & 0xffffff, (fn + 1) * 0x10100, `primary 0, secondary and subordinate ${fn + 1}`);
  }
  t.is(conf1Read(ports, 0, 1, 3, 0x00), 0xffff_ffff);
});

test("config cycles follow the bridges' live bus numbers, also after the guest renumbers them", (t) => {
  // pci-bridge 1 at 00:02.0, pci-bridge 2 behind it at 01:01.0
  const ports = machine([
    [1, PCI_BRIDGE, 0, 2, 0],
    [2, PCI_BRIDGE, 1, 1, 0],
  ]);
  t.is(conf1Read(ports, 0, 2, 0, 0x18) & 0xffffff, 0x020100, "bridge 1: buses 1 to 2");
  t.is(conf1Read(ports, 1, 1, 0, 0x00), 0x0001_1b36, "bridge 2 on bus 1");
  t.is(conf1Read(ports, 1, 1, 0, 0x18) & 0xffffff, 0x020201, "bridge 2: bus 2");
  t.is(conf1Read(ports, 2, 0, 0, 0x00), 0xffff_ffff, "nothing on bus 2");
  // the guest moves both: bridge 1 to buses 5–6, bridge 2 to bus 6
  conf1Write(ports, 0, 2, 0, 0x18, 4, 0x060500);
  conf1Write(ports, 5, 1, 0, 0x18, 4, 0x060605);
  t.is(conf1Read(ports, 5, 1, 0, 0x00), 0x0001_1b36);
  t.is(conf1Read(ports, 1, 1, 0, 0x00), 0xffff_ffff, "bus 1 is gone");
  // each boot starts from the firmware's numbers again
  bootAgain(ports);
  t.is(conf1Read(ports, 1, 1, 0, 0x00), 0x0001_1b36);
});

test("a bridge's memory window keeps address bits 31:20; it has no I/O or prefetchable window", (t) => {
  const ports = machine([[1, PCI_BRIDGE, 0, 2, 0]]);
  t.is(conf1Read(ports, 0, 2, 0, 0x20), 0x0000_fff0, "closed: base above limit");
  conf1Write(ports, 0, 2, 0, 0x20, 4, 0xc01f_c00f);
  t.is(conf1Read(ports, 0, 2, 0, 0x20), 0xc010_c000);
  conf1Write(ports, 0, 2, 0, 0x1c, 2, 0xf0f0);
  t.is(conf1Read(ports, 0, 2, 0, 0x1c, 2), 0);
  conf1Write(ports, 0, 2, 0, 0x24, 4, 0xfff0_fff0);
  t.is(conf1Read(ports, 0, 2, 0, 0x24), 0);
});

test("ECAM reaches the same registers by memory; extended space reads 0, absent functions all ones", (t) => {
  const ports = machine([[1, PCIE_ROOT_PORT, 0, 1, 0]]);
  t.is(ecamRead(ports, 0, 0, 0, 0x00), 0x0008_1b36);
  t.is(ecamRead(ports, 0, 1, 0, 0x19, 1), 1);
  t.is(ecamRead(ports, 0, 0, 0, 0x100), 0, "a conventional function has no extended capabilities");
  t.is(ecamRead(ports, 0, 9, 0, 0x00), 0xffff_ffff);
  t.is(ecamRead(ports, 200, 0, 0, 0x00, 2), 0xffff);
  ports.core.vmmMmioWrite(ECAM + (0x04 | (1 << 15)), 2, 0x0006, 0);
  t.is(conf1Read(ports, 0, 1, 0, 0x04, 2), 0x0006, "a write by memory shows by port");
  t.is(ports.core.vmmMmioRead(ECAM, 8) >>> 0, 0x0008_1b36);
  t.is(ports.core.vmmMmioReadHigh() >>> 0, conf1Read(ports, 0, 0, 0, 0x04), "an 8-byte read gives both dwords");
  t.is(ports.core.vmmMmioRead(0xd000_0000, 4) >>> 0, 0xffff_ffff, "no device there");
});

test("malformed bridge records are skipped: the machine keeps its host bridge", (t) => {
  const ports = machine([
    [0, PCI_BRIDGE, 0, 2, 0],
    [300, PCI_BRIDGE, 0, 3, 0],
    [4, PCI_BRIDGE, 9, 3, 0],
  ]);
  t.is(conf1Read(ports, 0, 0, 0, 0x00), 0x0008_1b36);
  t.is(conf1Read(ports, 0, 2, 0, 0x00), 0xffff_ffff);
  t.is(conf1Read(ports, 0, 3, 0, 0x00), 0xffff_ffff, "a bridge whose parent bus does not exist is not built");
});
