// The shape parseDomainXML returns: typed fields for what virtkit interprets (sizes in KiB as
// numbers, vCPU counts), and for everything else a plain mirror of the canonical XML:
// attributes are string properties, child elements are properties (arrays for repeatable ones
// and for every device kind), an element's text is its value (or `value` beside attributes),
// and an empty element is `true`.

/** Any element in the mirror. */
export type XmlNode = string | true | XmlElement;
export interface XmlElement {
  value?: string;
  [name: string]: XmlNode | XmlNode[] | undefined;
}

export interface DomainVcpu {
  max: number;
  current: number;
  placement: "static" | "auto";
  cpuset?: string;
}

export interface DomainOs extends XmlElement {
  type: { value: string; arch?: string; machine?: string };
  boot?: { dev: "fd" | "cdrom" | "hd" | "network" }[];
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  init?: string;
  initarg?: string[];
  initenv?: { name: string; value: string }[];
}

export interface AddressDef extends XmlElement {
  type: string;
}

export interface DiskDef extends XmlElement {
  type: "file" | "block" | "dir" | "network" | "volume" | "nvme" | "vhostuser" | "vhostvdpa";
  device: "floppy" | "disk" | "cdrom" | "lun";
  target: { dev: string; bus: string };
  source?: XmlElement;
  driver?: XmlElement;
  readonly?: true;
  address?: AddressDef;
}

export interface InterfaceDef extends XmlElement {
  type: string;
  mac: { address: string };
  source?: XmlElement;
  model?: { type: string };
  address?: AddressDef;
}

export interface DomainDevices extends XmlElement {
  emulator?: string;
  disk?: DiskDef[];
  controller?: (XmlElement & { type: string; index: string })[];
  interface?: InterfaceDef[];
  filesystem?: XmlElement[];
  serial?: XmlElement[];
  console?: XmlElement[];
  channel?: XmlElement[];
  graphics?: XmlElement[];
  video?: XmlElement[];
  hostdev?: XmlElement[];
}

export interface DomainDef {
  /** Hypervisor type: kvm, qemu, lxc, test, ... */
  type: string;
  /** Present for a running domain's live definition. */
  id?: number;
  name: string;
  uuid: string;
  genid?: string;
  title?: string;
  description?: string;
  /** <metadata> content, as libxml2 writes it. */
  metadata?: string;
  /** KiB. */
  memory: number;
  /** KiB. */
  currentMemory: number;
  /** KiB, with the number of memory slots. */
  maxMemory?: { memory: number; slots?: number };
  vcpu: DomainVcpu;
  os: DomainOs;
  on_poweroff: string;
  on_reboot: string;
  on_crash: string;
  clock: XmlElement & { offset: string };
  devices: DomainDevices;
  [element: string]: unknown;
}
