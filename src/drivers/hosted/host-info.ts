// What a hosted driver reports about its host: the kernel's version, the node's CPUs and
// memory, and the capabilities XML naming the one kind of guest it runs.
import { cpus, release, totalmem } from "node:os";
import type { NodeInfo } from "../driver.js";

/** The kernel's version (major * 1,000,000 + minor * 1,000 + micro), as libvirt's LXC driver reports it; KVM is part of it too. */
export function kernelVersion(): number {
  const [major = 0, minor = 0, micro = 0] = release().split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  return major * 1_000_000 + minor * 1_000 + micro;
}

export function hostNodeInfo(): NodeInfo {
  const list = cpus();
  return { model: "x86_64", memory: Math.floor(totalmem() / 1024), cpus: list.length, mhz: list[0]?.speed ?? 0, nodes: 1, sockets: 1, cores: list.length, threads: 1 };
}

/** The one kind of guest a driver runs, for its capabilities. */
export interface GuestKind {
  osType: string;
  emulator: string;
  domainType: string;
}

export function capabilitiesXML(guest: GuestKind): string {
  return `<capabilities>

  <host>
    <cpu>
      <arch>x86_64</arch>
    </cpu>
  </host>

  <guest>
    <os_type>${guest.osType}</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>${guest.emulator}</emulator>
      <domain type='${guest.domainType}'/>
    </arch>
  </guest>

</capabilities>
`;
}
