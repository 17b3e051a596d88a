// core.wasm as the VMM of a kvm:/// domain: the boot plan, and the device models the host
// consults on every I/O exit (numbers in, numbers out: the exit path stays cheap).

import { Code, From, beginError, failBare } from "../errors";
import { ByteBuf } from "../util/bytes";
import { BootRequest, writeBootPlan } from "../vmm/boot";
import { writeCoreDumpHeader } from "../vmm/core-dump";
import { patchCpuid } from "../vmm/cpuid";
import { writeIrqRouting } from "../vmm/irq-routing";
import { wireLocalApic } from "../vmm/lapic";
import { afterStop } from "../vmm/lifecycle";
import { consoleInput, mmioRead, mmioWrite, portIn, portOut, pressPowerButton, resetDevices, takeEvents, takeOutput } from "../vmm/devices/board";
import { BridgeSpec, EndpointSpec, endpoints, setPciBridges, setPciEndpoints } from "../vmm/pci/topology";
import { takeMsis } from "../vmm/pci/msi";
import { ENDPOINT_VIRTIO_BLK, ENDPOINT_VIRTIO_NET } from "../vmm/pci/endpoints";
import { DiskSpec, VirtioBlk } from "../vmm/virtio/blk";
import { balloonState, STAT_TAGS, takeDiscards, VirtioBalloon } from "../vmm/virtio/balloon";
import { VirtioDevice, VirtioPciFunction } from "../vmm/virtio/pci-transport";
import { NetSpec, VirtioNet } from "../vmm/virtio/net";
import { takeVhostProgram } from "../vmm/virtio/vhost-program";
import { io } from "../abi/runtime";
import { forgetStats } from "../storage/block-io";
import { DiskImage, forgetImage, imageFor, RawImage, setImage } from "../storage/image";
import { Qcow2Image } from "../storage/qcow2/image";
import { parseHeader } from "../storage/qcow2/header";

/** sizeof(struct kvm_cpuid_entry2) */
const KVM_CPUID_ENTRY_BYTES: i32 = 40;
/** sizeof(struct kvm_lapic_state) */
const KVM_LAPIC_STATE_BYTES: i32 = 1024;

/** The boot records for a bzImage (its header's first headerLen bytes) and its command line. */
export function vmmBootPlan(headerPtr: usize, headerLen: i32, cmdline: string, kernelSize: f64, initrdSize: f64, memoryBytes: f64, vcpus: i32): bool {
  const req = new BootRequest();
  const header = new ByteBuf(headerLen + 1);
  header.raw(headerPtr, headerLen);
  req.header = header;
  req.headerLen = headerLen;
  req.cmdline = cmdline;
  req.kernelSize = <u64>kernelSize;
  req.initrdSize = <u64>initrdSize;
  req.memoryBytes = <u64>memoryBytes;
  req.vcpus = vcpus;
  resetDevices();
  return writeBootPlan(req, io.output);
}

export function vmmPortIn(port: i32, size: i32): i32 {
  return <i32>portIn(<u32>port, size);
}

export function vmmPortOut(port: i32, size: i32, value: i32): void {
  portOut(<u32>port, size, <u32>value);
}

/** The upper half of the last 8-byte MMIO read (vmmMmioRead returns the lower). */
let mmioHigh: i32 = 0;

export function vmmMmioRead(address: f64, size: i32): i32 {
  const value = mmioRead(<u64>address, size);
  mmioHigh = <i32>(value >> 32);
  return <i32>value;
}

export function vmmMmioReadHigh(): i32 {
  return mmioHigh;
}

export function vmmMmioWrite(address: f64, size: i32, low: i32, high: i32): void {
  mmioWrite(<u64>address, size, (<u64>(<u32>high) << 32) | <u64>(<u32>low));
}

/** Words per bridge record of vmmPciBridges: bus index, model (0 pci-bridge, 1 pcie-root-port), parent bus, devfn. */
const BRIDGE_WORDS = 4;

/** The domain's PCI controllers (parents first), built at the next boot plan; malformed records are skipped. */
export function vmmPciBridges(records: usize, len: i32): bool {
  const list = new Array<BridgeSpec>();
  for (let at = 0; at + BRIDGE_WORDS * 4 <= len; at += BRIDGE_WORDS * 4) {
    const index = load<i32>(records + <usize>at);
    const model = load<i32>(records + <usize>at + 4);
    const parent = load<i32>(records + <usize>at + 8);
    const devfn = load<i32>(records + <usize>at + 12);
    if (index <= parent || index > 255 || parent < 0 || devfn < 0 || devfn > 255) continue;
    list.push(new BridgeSpec(index, model == 1, parent, devfn));
  }
  setPciBridges(list);
  return true;
}

/**
 * Words per device record of vmmPciDevices: kind (vmm/pci/endpoints.ts), bus, devfn, then for a
 * disk its host handle, flags (virtio/blk.ts DISK_*; a balloon's: endpoints.ts), size in bytes
 * (low, high word) and the `<serial>` in 20 NUL-padded bytes; for a NIC its tap's handle, flags
 * (NIC_*), the `<mtu>` (0: none), its vhost-net handle, the `<mac>`'s 6 bytes where a disk has its
 * serial, then two bytes 0 and vhost's features (low, high word).
 */
const DEVICE_WORDS = 12;
const SERIAL_BYTES = 20;

/** The domain's PCI devices, plugged in at the next boot plan; records the VMM cannot place are skipped. */
export function vmmPciDevices(records: usize, len: i32): bool {
  const list = new Array<EndpointSpec>();
  for (let at = 0; at + DEVICE_WORDS * 4 <= len; at += DEVICE_WORDS * 4) {
    const r = records + <usize>at;
    const kind = load<i32>(r);
    const bus = load<i32>(r, 4);
    const devfn = load<i32>(r, 8);
    if (bus < 0 || bus > 255 || devfn < 0 || devfn > 255) continue;
    const flags = load<i32>(r, 16);
    const disk = kind == ENDPOINT_VIRTIO_BLK ? diskSpecOf(r, flags) : null;
    const net = kind == ENDPOINT_VIRTIO_NET ? netSpecOf(r, flags) : null;
    list.push(new EndpointSpec(kind, bus, devfn, flags, disk, net));
  }
  setPciEndpoints(list);
  return true;
}

/** A disk record's handle, size, flags and `<serial>`. */
function diskSpecOf(r: usize, flags: i32): DiskSpec {
  const bytes = (<u64>load<u32>(r, 24) << 32) | <u64>load<u32>(r, 20);
  let serialLength = 0;
  while (serialLength < SERIAL_BYTES && load<u8>(r + 28 + <usize>serialLength) != 0) serialLength++;
  return new DiskSpec(load<i32>(r, 12), bytes, flags, String.UTF8.decodeUnsafe(r + 28, <usize>serialLength));
}

/** A NIC record's flags: the host opened vhost-net for it; KVM matches notify writes of any length. */
const NIC_VHOST = 1;
const NIC_NOTIFY_ANY_LENGTH = 2;

/** A NIC record's tap, `<mac>` and `<mtu>`, and its vhost-net (handle and features) where the host has one. */
function netSpecOf(r: usize, flags: i32): NetSpec {
  let mac: u64 = 0;
  for (let i = 0; i < 6; i++) mac = (mac << 8) | <u64>load<u8>(r + 28 + <usize>i);
  const vhost = (flags & NIC_VHOST) != 0 ? load<i32>(r, 24) : -1;
  const vhostFeatures = (<u64>load<u32>(r, 40) << 32) | <u64>load<u32>(r, 36);
  return new NetSpec(load<i32>(r, 12), mac, load<u32>(r, 20), vhost, vhostFeatures, (flags & NIC_NOTIFY_ANY_LENGTH) != 0);
}

/** Frames may wait on the NICs' taps (the host was woken, or a slice ended): they go to the guest. */
export function vmmNetPoll(): void {
  for (let i = 0; i < endpoints.length; i++) {
    const device = virtioDeviceAt(i);
    if (device instanceof VirtioNet) (<VirtioNet>device).poll();
  }
}

/** The guest stops running for a while (paused 1) or runs again (0): NICs that vhost-net serves stop and go on. */
export function vmmNetPause(paused: i32): void {
  for (let i = 0; i < endpoints.length; i++) {
    const device = virtioDeviceAt(i);
    if (device instanceof VirtioNet) (<VirtioNet>device).pauseRings(paused != 0);
  }
}

/** Each virtio NIC's counters, as records of vmmNetStats (the table says how). */
export function vmmNetStats(): bool {
  for (let i = 0; i < endpoints.length; i++) {
    const device = virtioDeviceAt(i);
    if (!(device instanceof VirtioNet)) continue;
    const net = <VirtioNet>device;
    const s = net.stats;
    counterRecord(net.spec.handle, s.receivedFrames, s.receivedBytes, s.sentFrames, s.sentBytes, s.sendErrors);
  }
  return true;
}

/** Each virtio disk's counters, as records of vmmBlockStats (the table says how). */
export function vmmBlockStats(): bool {
  for (let i = 0; i < endpoints.length; i++) {
    const device = virtioDeviceAt(i);
    if (!(device instanceof VirtioBlk)) continue;
    const blk = <VirtioBlk>device;
    const s = blk.stats;
    counterRecord(blk.disk.handle, s.readRequests, s.readBytes, s.writeRequests, s.writeBytes, s.flushRequests);
  }
  return true;
}

/** A device's counters in the output: i32 handle, i32 0, five f64 (48 bytes). */
function counterRecord(handle: i32, a: u64, b: u64, c: u64, d: u64, e: u64): void {
  const out = io.output;
  out.ensure(48);
  const at = out.ptr + <usize>out.length;
  store<i32>(at, handle);
  store<i32>(at, 0, 4);
  store<f64>(at, <f64>a, 8);
  store<f64>(at, <f64>b, 16);
  store<f64>(at, <f64>c, 24);
  store<f64>(at, <f64>d, 32);
  store<f64>(at, <f64>e, 40);
  out.length += 48;
}

/** The machine's balloon, or null when it has none. */
function balloon(): VirtioBalloon | null {
  for (let i = 0; i < endpoints.length; i++) {
    const device = virtioDeviceAt(i);
    if (device instanceof VirtioBalloon) return <VirtioBalloon>device;
  }
  return null;
}

/** The virtio device behind endpoint i, or null for another kind of function. */
function virtioDeviceAt(i: i32): VirtioDevice | null {
  const f = endpoints[i];
  return f instanceof VirtioPciFunction ? (<VirtioPciFunction>f).device : null;
}

/** setmem --live: the guest is asked to give up `pages` 4 KiB pages (kept across its reboots); 1, or 0 without a balloon. */
export function vmmBalloonTarget(pages: i32): i32 {
  const b = balloon();
  balloonState.target = <u32>pages;
  if (b === null) return 0;
  b.setTarget(<u32>pages);
  return 1;
}

/** Asks the guest for fresh statistics: 1 asked, 0 (none held: the guest has not posted them), -1 no balloon. */
export function vmmBalloonRefresh(): i32 {
  const b = balloon();
  if (b === null) return -1;
  return b.requestStats() ? 1 : 0;
}

/** The balloon's state: u32 target, u32 actual (pages), f64 when the stats came (clock ms, 0 never), then the ten stats (f64, -1 unreported). */
export function vmmBalloonState(): bool {
  const out = io.output;
  out.ensure(16 + 8 * STAT_TAGS);
  const at = out.ptr + <usize>out.length;
  store<u32>(at, balloonState.target);
  store<u32>(at, balloonState.actual, 4);
  store<f64>(at, balloonState.updated, 8);
  for (let i = 0; i < STAT_TAGS; i++) store<f64>(at + 16 + <usize>(8 * i), balloonState.stats[i]);
  out.length += 16 + 8 * STAT_TAGS;
  return true;
}

/** The guest RAM ranges the balloon took since the last call (f64 guest-physical start, f64 bytes), for the host to discard. */
export function vmmTakeDiscards(): bool {
  takeDiscards(io.output);
  return true;
}

/** The MSI messages the devices raised (address low, address high, data: 12 bytes each), into the output. */
export function vmmTakeMsis(): bool {
  takeMsis(io.output);
  return true;
}

export function vmmTakeVhost(): bool {
  takeVhostProgram(io.output);
  return true;
}

export function vmmEvents(): i32 {
  return takeEvents();
}

export function vmmTakeOutput(): bool {
  takeOutput(io.output);
  return true;
}

export function vmmConsoleInput(data: usize, len: i32): bool {
  consoleInput(data, len);
  return true;
}

/** The guest's power button is pressed (libvirt's shutdown; reboot asks the same way). */
export function vmmPowerButton(): void {
  pressPowerButton();
}

/** The CPUID of vCPU `index` of `vcpus`: the kvm_cpuid_entry2 entries KVM supports, patched in place and copied to the output. */
export function vmmCpuid(entries: usize, len: i32, index: i32, vcpus: i32, tscDeadline: i32): bool {
  const count = len / KVM_CPUID_ENTRY_BYTES;
  patchCpuid(entries, count, <u32>index, <u32>vcpus, tscDeadline != 0);
  io.output.raw(entries, count * KVM_CPUID_ENTRY_BYTES);
  return true;
}

/** A vCPU's local APIC state (struct kvm_lapic_state), wired as a PC's; copied to the output. */
export function vmmLapic(lapic: usize, len: i32): bool {
  if (len < KVM_LAPIC_STATE_BYTES) {
    beginError(Code.INTERNAL_ERROR, From.NONE).str("short kvm_lapic_state");
    return false;
  }
  wireLocalApic(lapic);
  io.output.raw(lapic, KVM_LAPIC_STATE_BYTES);
  return true;
}

/** After the guest stopped: 0 to start it again, -1 to keep it crashed, else the shutoff reason (vmm/lifecycle.ts). */
export function vmmAfterStop(stop: i32, asked: i32, onPoweroff: i32, onReboot: i32, onCrash: i32): i32 {
  return afterStop(stop, asked, onPoweroff, onReboot, onCrash);
}

/** The VM's GSI routing (struct kvm_irq_routing, into the output). */
export function vmmIrqRouting(): bool {
  writeIrqRouting(io.output);
  return true;
}

/**
 * The ELF core file's headers and notes for `vcpus` vCPUs and memoryBytes of RAM (the RAM follows
 * them); `registers` holds each vCPU's kvm_regs and kvm_sregs (vmm/core-dump.ts).
 */
export function vmmCoreDumpHeader(registers: usize, registersLen: i32, vcpus: i32, memoryBytes: f64): bool {
  writeCoreDumpHeader(io.output, registers, vcpus, <u64>memoryBytes);
  return true;
}

/** Image formats as vmmImageOpen names them. */
const FORMAT_RAW = 0;
const FORMAT_QCOW2 = 1;
const FORMAT_NAMES: string[] = ["raw", "qcow2"];
/** libvirt's limit on a backing chain's depth (VIR_STORAGE_MAX_CHAIN_DEPTH). */
const MAX_CHAIN_DEPTH = 200;

/**
 * The image file the host opened as `handle` (fileBytes long, at `path`) becomes a disk of
 * `format` (the guest may write it when `writable`); with `upper` ≥ 0 it is the backing image of
 * the image opened on that handle. The
 * output names the backing file the host must open next ("FORMAT\tPATH"), or is empty at the
 * chain's end.
 */
export function vmmImageOpen(path: string, handle: i32, fileBytes: f64, format: i32, upper: i32, writable: bool): bool {
  const chain = upper >= 0 ? chainOf(upper) : new Array<string>();
  if (chain.length >= MAX_CHAIN_DEPTH) return failBare(Code.OPERATION_UNSUPPORTED, From.STORAGE, `backing chains more than ${MAX_CHAIN_DEPTH} layers deep are not supported for disk '${chain[0]}'`);
  if (chain.includes(path)) return failBare(Code.OPERATION_INVALID, From.STORAGE, `backing store for ${chain[chain.length - 1]} (${path}) is self-referential`);
  let image: DiskImage;
  if (format == FORMAT_RAW) image = new RawImage(handle, <u64>fileBytes);
  else if (format == FORMAT_QCOW2) {
    const qcow2 = new Qcow2Image(handle, <u64>fileBytes, writable);
    if (!qcow2.open()) return failBare(Code.INTERNAL_ERROR, From.STORAGE, `Could not open '${path}': ${qcow2.error}`);
    image = qcow2;
  } else return failBare(Code.INTERNAL_ERROR, From.STORAGE, `unknown image format ${format}`);
  if (upper >= 0) {
    const above = imageFor(upper, 0);
    if (above instanceof Qcow2Image) (<Qcow2Image>above).backing = image;
  }
  setImage(handle, image);
  chains.set(handle, chain.concat([path]));
  if (!(image instanceof Qcow2Image)) return true;
  const header = (<Qcow2Image>image).header;
  if (header.backingName.length == 0) return true;
  const backingFormat = FORMAT_NAMES.indexOf(header.backingFormat);
  if (header.backingFormat.length == 0) {
    return failBare(Code.OPERATION_INVALID, From.STORAGE, `format of backing image '${header.backingName}' of image '${path}' was not specified in the image metadata (See https://libvirt.org/kbase/backing_chains.html for troubleshooting)`);
  }
  if (backingFormat < 0) return failBare(Code.CONFIG_UNSUPPORTED, From.STORAGE, `unsupported configuration: backing image '${header.backingName}' of image '${path}' is in format '${header.backingFormat}': only raw and qcow2 are supported`);
  if (isNetworkName(header.backingName)) return failBare(Code.CONFIG_UNSUPPORTED, From.STORAGE, `unsupported configuration: backing image '${header.backingName}' of image '${path}' is not a local file`);
  io.output.str(`${FORMAT_NAMES[backingFormat]}\t${backingPath(path, header.backingName)}`);
  return true;
}

/** The files of each open image's chain, top first, by the handle of its last. */
const chains = new Map<i32, Array<string>>();

function chainOf(handle: i32): Array<string> {
  return chains.has(handle) ? chains.get(handle) : new Array<string>();
}

/** A backing name as QEMU resolves it: relative to the directory of the image that names it. */
function backingPath(imagePath: string, name: string): string {
  if (name.startsWith("/")) return name;
  const slash = imagePath.lastIndexOf("/");
  return slash < 0 ? name : imagePath.substring(0, slash + 1) + name;
}

/** "json:{…}" and URLs (nbd://, http://…): QEMU's network sources, which this VMM does not open. */
function isNetworkName(name: string): bool {
  if (name.startsWith("json:")) return true;
  const scheme = name.indexOf("://");
  if (scheme <= 0) return false;
  for (let i = 0; i < scheme; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || c == 43)) return false; // a-z or +
  }
  return true;
}

/** domblkinfo's capacity of a qcow2 image: its header's size, checked as an open checks it. */
export function imageCapacity(header: usize, len: i32, fileBytes: f64): bool {
  const h = parseHeader(header, <u32>len, <u64>fileBytes, false);
  if (h.error.length > 0) return failBare(Code.INTERNAL_ERROR, From.STORAGE, h.error);
  io.output.str(h.size.toString());
  return true;
}

/** The host closed `handle`: its image, counters and chain go (the number may come back for another file). */
export function vmmImageClose(handle: i32): bool {
  forgetImage(handle);
  forgetStats(handle);
  chains.delete(handle);
  return true;
}
