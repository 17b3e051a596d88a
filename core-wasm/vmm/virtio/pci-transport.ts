// A virtio 1.x device on PCI (virtio 1.2, 4.1): a modern-only function (device id 0x1040 + the
// virtio id) with one 16 KiB memory BAR holding the common configuration, the ISR, the device
// configuration, the notification area and the MSI-X table and PBA, each announced by a vendor
// capability. Interrupts are MSI-X messages; with MSI-X off, the ISR records them (INTx is not
// wired yet: Linux uses MSI-X whenever the platform allows it).
import { PciFunction, SUBSYSTEM_ID, SUBSYSTEM_VENDOR_ID, INTERRUPT_PIN } from "../pci/config-space";
import { signalMsi } from "../pci/msi";
import { NO_VECTOR, Virtqueue } from "./virtqueue";

const VIRTIO_VENDOR: u16 = 0x1af4;
const MODERN_DEVICE_BASE: u16 = 0x1040;
const MODERN_SUBSYSTEM: u16 = 0x1100;
export const BAR_SIZE: u32 = 0x4000;

/** Where each structure sits in BAR 0. */
const COMMON: u32 = 0x0000;
const COMMON_LENGTH: u32 = 0x38;
const ISR: u32 = 0x1000;
const DEVICE_CONFIG: u32 = 0x2000;
const NOTIFY: u32 = 0x3000;
const NOTIFY_MULTIPLIER: u32 = 4;
const MSIX_TABLE: u32 = 0x3800;
const MSIX_PBA: u32 = 0x3c00;
const MSIX_ENTRY_BYTES: u32 = 16;

const CAP_VENDOR: u8 = 0x09;
const CAP_MSIX: u8 = 0x11;
const CFG_COMMON: u8 = 1;
const CFG_NOTIFY: u8 = 2;
const CFG_ISR: u8 = 3;
const CFG_DEVICE: u8 = 4;
const MSIX_ENABLE: u16 = 0x8000;
const MSIX_FUNCTION_MASK: u16 = 0x4000;

/** Device status bits (2.1). */
const STATUS_DRIVER_OK: u8 = 4;
const STATUS_FEATURES_OK: u8 = 8;
const STATUS_NEEDS_RESET: u8 = 0x40;
export const F_VERSION_1: u64 = <u64>1 << 32;
const ISR_QUEUE: u8 = 1;
const ISR_CONFIG: u8 = 2;

/** What a virtio device is behind the transport: its id, queues, features, configuration and work. */
export abstract class VirtioDevice {
  /** The function the device sits behind (set when it is plugged in). */
  transport: VirtioPciFunction | null = null;
  abstract get id(): u16;
  abstract get classCode(): u32;
  /** Device-specific features (VERSION_1 is added by the transport). */
  abstract get features(): u64;
  abstract get configLength(): i32;
  abstract configRead(offset: i32, size: i32): u32;
  configWrite(offset: i32, size: i32, value: u32): void {}
  /** Serves what the driver made available on queue `index`; returns whether it used any buffer. */
  abstract serve(transport: VirtioPciFunction, index: i32): bool;
  /** Back to the state after power-on (the driver reset the device). */
  reset(): void {}
  /** The driver set DRIVER_OK: the features it took (transport.driverFeatures) are in force. */
  activated(): void {}
  /** The guest changed an MSI-X message, a mask or a queue's vector (a device whose interrupts the host raises follows). */
  interruptsChanged(): void {}
}

export class VirtioPciFunction extends PciFunction {
  readonly queues: Virtqueue[] = [];
  private vectors: i32 = 0;
  private msixCapability: i32 = 0;
  private msixTable: StaticArray<u32> = new StaticArray<u32>(0);
  private pendingBits: u64 = 0;
  private deviceFeatureSelect: u32 = 0;
  private driverFeatureSelect: u32 = 0;
  driverFeatures: u64 = 0;
  private msixConfig: u16 = NO_VECTOR;
  status: u8 = 0;
  private queueSelect: u16 = 0;
  private isr: u8 = 0;
  /** Bumped when the device changes its configuration, so the driver rereads it whole. */
  private configGeneration: u8 = 0;

  constructor(readonly device: VirtioDevice, queueSizes: StaticArray<u16>) {
    super();
    device.transport = this;
    this.vectors = queueSizes.length + 1;
    this.msixTable = new StaticArray<u32>(this.vectors * 4);
    this.identify(VIRTIO_VENDOR, MODERN_DEVICE_BASE + device.id, device.classCode, 1);
    this.set16(SUBSYSTEM_VENDOR_ID, VIRTIO_VENDOR);
    this.set16(SUBSYSTEM_ID, MODERN_SUBSYSTEM);
    this.config[INTERRUPT_PIN] = 1;
    this.declareMemoryBar(0, BAR_SIZE);
    for (let i = 0; i < queueSizes.length; i++) this.queues.push(new Virtqueue(queueSizes[i]));
    this.vendorCapability(CFG_COMMON, COMMON, COMMON_LENGTH, 16);
    const notify = this.vendorCapability(CFG_NOTIFY, NOTIFY, NOTIFY_MULTIPLIER * queueSizes.length, 20);
    this.set32(notify + 16, NOTIFY_MULTIPLIER);
    this.vendorCapability(CFG_ISR, ISR, 1, 16);
    if (device.configLength > 0) this.vendorCapability(CFG_DEVICE, DEVICE_CONFIG, device.configLength, 16);
    const msix = this.addCapability(CAP_MSIX, 12);
    this.msixCapability = msix;
    this.set16(msix + 2, <u16>(this.vectors - 1));
    this.allowWrite16(msix + 2, MSIX_ENABLE | MSIX_FUNCTION_MASK);
    this.set32(msix + 4, MSIX_TABLE);
    this.set32(msix + 8, MSIX_PBA);
    this.resetTransport();
  }

  private vendorCapability(type: u8, offset: u32, length: u32, capLength: i32): i32 {
    const at = this.addCapability(CAP_VENDOR, capLength);
    this.config[at + 2] = <u8>capLength;
    this.config[at + 3] = type;
    this.config[at + 4] = 0; // BAR 0
    this.set32(at + 8, offset);
    this.set32(at + 12, length);
    return at;
  }

  /** Power-on, or the driver wrote 0 to the status: queues and negotiation start over. */
  resetTransport(): void {
    for (let i = 0; i < this.queues.length; i++) this.queues[i].reset();
    for (let i = 0; i < this.msixTable.length; i++) this.msixTable[i] = (i & 3) == 3 ? 1 : 0; // every vector masked
    this.pendingBits = 0;
    this.deviceFeatureSelect = 0;
    this.driverFeatureSelect = 0;
    this.driverFeatures = 0;
    this.msixConfig = NO_VECTOR;
    this.status = 0;
    this.queueSelect = 0;
    this.isr = 0;
    this.device.reset();
  }

  get offeredFeatures(): u64 {
    return this.device.features | F_VERSION_1;
  }

  barRead(index: i32, offset: u32, size: i32): u64 {
    if (offset < COMMON_LENGTH) return this.commonRead(offset, size);
    if (offset == ISR) {
      const isr = this.isr;
      this.isr = 0;
      return isr;
    }
    if (offset >= DEVICE_CONFIG && offset < DEVICE_CONFIG + <u32>this.device.configLength) return this.device.configRead(offset - DEVICE_CONFIG, size);
    if (offset >= MSIX_TABLE && offset < MSIX_TABLE + <u32>(this.vectors * MSIX_ENTRY_BYTES) && size == 4) return this.msixTable[(offset - MSIX_TABLE) >> 2];
    if (offset >= MSIX_PBA && offset < MSIX_PBA + 8) return (this.pendingBits >> (8 * (offset - MSIX_PBA))) & (size == 8 ? 0xffffffffffffffff : (<u64>1 << (8 * size)) - 1);
    return 0;
  }

  barWrite(index: i32, offset: u32, size: i32, value: u64): void {
    if (offset < COMMON_LENGTH) this.commonWrite(offset, size, <u32>value);
    else if (offset >= DEVICE_CONFIG && offset < DEVICE_CONFIG + <u32>this.device.configLength) this.device.configWrite(offset - DEVICE_CONFIG, size, <u32>value);
    else if (offset >= NOTIFY && offset < NOTIFY + <u32>(NOTIFY_MULTIPLIER * this.queues.length)) this.notify((offset - NOTIFY) / NOTIFY_MULTIPLIER);
    else if (offset >= MSIX_TABLE && offset < MSIX_TABLE + <u32>(this.vectors * MSIX_ENTRY_BYTES) && size == 4) {
      const word = (offset - MSIX_TABLE) >> 2;
      this.msixTable[word] = <u32>value;
      if ((word & 3) == 3) this.deliverPending();
      this.device.interruptsChanged();
    }
  }

  private commonRead(offset: u32, size: i32): u32 {
    const q = this.selectedQueue();
    switch (offset) {
      case 0:
        return this.deviceFeatureSelect;
      case 4:
        return this.deviceFeatureSelect < 2 ? <u32>(this.offeredFeatures >> (32 * this.deviceFeatureSelect)) : 0;
      case 8:
        return this.driverFeatureSelect;
      case 12:
        return this.driverFeatureSelect < 2 ? <u32>(this.driverFeatures >> (32 * this.driverFeatureSelect)) : 0;
      case 16:
        return this.msixConfig;
      case 18:
        return this.queues.length;
      case 20:
        return this.status;
      case 21:
        return this.configGeneration;
      case 22:
        return this.queueSelect;
      case 24:
        return q === null ? 0 : q.size;
      case 26:
        return q === null ? NO_VECTOR : q.msixVector;
      case 28:
        return q !== null && q.enabled ? 1 : 0;
      case 30:
        return this.queueSelect;
      case 32:
      case 36:
        return q === null ? 0 : half(q.descriptors, offset - 32);
      case 40:
      case 44:
        return q === null ? 0 : half(q.available, offset - 40);
      case 48:
      case 52:
        return q === null ? 0 : half(q.used, offset - 48);
    }
    return 0;
  }

  private commonWrite(offset: u32, size: i32, value: u32): void {
    const q = this.selectedQueue();
    switch (offset) {
      case 0:
        this.deviceFeatureSelect = value;
        break;
      case 8:
        this.driverFeatureSelect = value;
        break;
      case 12:
        if (this.driverFeatureSelect < 2 && (this.status & STATUS_FEATURES_OK) == 0) {
          const shift = 32 * this.driverFeatureSelect;
          this.driverFeatures = (this.driverFeatures & ~(<u64>0xffffffff << shift)) | (<u64>value << shift);
        }
        break;
      case 16:
        this.msixConfig = <u16>value < <u16>this.vectors ? <u16>value : NO_VECTOR;
        break;
      case 20:
        this.writeStatus(<u8>value);
        break;
      case 22:
        this.queueSelect = <u16>value;
        break;
      case 24:
        if (q !== null && !q.enabled) q.size = <u16>value;
        break;
      case 26:
        // a vector the table does not have reads back as none: the driver then falls back
        if (q !== null) q.msixVector = <u16>value < <u16>this.vectors ? <u16>value : NO_VECTOR;
        this.device.interruptsChanged();
        break;
      case 28:
        if (q !== null && value == 1) q.enabled = true;
        break;
      case 32:
      case 36:
        if (q !== null && !q.enabled) q.descriptors = setHalf(q.descriptors, offset - 32, value);
        break;
      case 40:
      case 44:
        if (q !== null && !q.enabled) q.available = setHalf(q.available, offset - 40, value);
        break;
      case 48:
      case 52:
        if (q !== null && !q.enabled) q.used = setHalf(q.used, offset - 48, value);
        break;
    }
  }

  private writeStatus(value: u8): void {
    if (value == 0) {
      this.resetTransport();
      return;
    }
    // FEATURES_OK only for a subset of what is offered that includes VERSION_1 (3.1.1)
    if ((value & STATUS_FEATURES_OK) != 0 && (this.status & STATUS_FEATURES_OK) == 0) {
      const acceptable = (this.driverFeatures & ~this.offeredFeatures) == 0 && (this.driverFeatures & F_VERSION_1) != 0;
      if (!acceptable) value &= ~STATUS_FEATURES_OK;
    }
    const activated = (value & STATUS_DRIVER_OK) != 0 && (this.status & STATUS_DRIVER_OK) == 0;
    this.status = value;
    if (activated) this.device.activated();
  }

  private selectedQueue(): Virtqueue | null {
    return this.queueSelect < <u16>this.queues.length ? this.queues[this.queueSelect] : null;
  }

  private notify(index: u32): void {
    const q = this.queues[index];
    if (!q.ready || (this.status & STATUS_NEEDS_RESET) != 0) return;
    const used = this.device.serve(this, index);
    if (q.faulted) {
      // the driver broke its queue: it must reset the device (and is told so)
      this.status |= STATUS_NEEDS_RESET;
      this.interrupt(this.msixConfig, ISR_CONFIG);
      return;
    }
    if (used && q.wantsInterrupt()) this.interrupt(q.msixVector, ISR_QUEUE);
  }

  /** The device changed its configuration (a balloon's target): the driver hears it on the configuration vector. */
  configChanged(): void {
    this.configGeneration++;
    if ((this.status & STATUS_DRIVER_OK) != 0) this.interrupt(this.msixConfig, ISR_CONFIG);
  }

  /** The device used buffers of queue `index` outside a notification (a held buffer handed back). */
  queueUsed(index: i32): void {
    const q = this.queues[index];
    if (q.wantsInterrupt()) this.interrupt(q.msixVector, ISR_QUEUE);
  }

  /** An interrupt on a vector: its MSI-X message, or its PBA bit while masked; the ISR bit without MSI-X. */
  private interrupt(vector: u16, isrBit: u8): void {
    const control = this.get16(this.msixCapability + 2);
    if ((control & MSIX_ENABLE) == 0) {
      this.isr |= isrBit;
      return;
    }
    if (vector == NO_VECTOR || <i32>vector >= this.vectors) return;
    if ((control & MSIX_FUNCTION_MASK) != 0 || (this.msixTable[<i32>vector * 4 + 3] & 1) != 0) {
      this.pendingBits |= <u64>1 << vector;
      return;
    }
    const entry = <i32>vector * 4;
    signalMsi(this.msixTable[entry], this.msixTable[entry + 1], this.msixTable[entry + 2]);
  }

  /** Messages held while their vector (or the function) was masked go out once unmasked. */
  private deliverPending(): void {
    const control = this.get16(this.msixCapability + 2);
    if (this.pendingBits == 0 || (control & MSIX_ENABLE) == 0 || (control & MSIX_FUNCTION_MASK) != 0) return;
    for (let v = 0; v < this.vectors; v++) {
      if ((this.pendingBits & (<u64>1 << v)) == 0 || (this.msixTable[v * 4 + 3] & 1) != 0) continue;
      this.pendingBits &= ~(<u64>1 << v);
      signalMsi(this.msixTable[v * 4], this.msixTable[v * 4 + 1], this.msixTable[v * 4 + 2]);
    }
  }

  configWritten(reg: i32, size: i32): void {
    if (reg <= this.msixCapability + 3 && reg + size > this.msixCapability + 2) {
      this.deliverPending();
      this.device.interruptsChanged();
    }
  }

  /** Whether an interrupt on `vector` would go out now as its MSI-X message (MSI-X on, neither it nor the function masked). */
  vectorDeliverable(vector: u16): bool {
    const control = this.get16(this.msixCapability + 2);
    if ((control & MSIX_ENABLE) == 0 || (control & MSIX_FUNCTION_MASK) != 0) return false;
    return vector != NO_VECTOR && <i32>vector < this.vectors && (this.msixTable[<i32>vector * 4 + 3] & 1) == 0;
  }

  /** Word 0 (address low), 1 (address high) or 2 (data) of a vector's MSI-X message. */
  msixWord(vector: u16, word: i32): u32 {
    return this.msixTable[<i32>vector * 4 + word];
  }

  /** Where the guest writes to notify queue `index` (guest-physical, in BAR 0 as it is now). */
  notifyAddress(index: i32): u64 {
    return <u64>this.barAddress(0) + <u64>NOTIFY + <u64>(NOTIFY_MULTIPLIER * <u32>index);
  }
}

function half(v: u64, which: u32): u32 {
  return <u32>(which == 0 ? v : v >> 32);
}

function setHalf(v: u64, which: u32, value: u32): u64 {
  return which == 0 ? (v & 0xffffffff00000000) | <u64>value : (v & 0xffffffff) | (<u64>value << 32);
}
