// virConnectGetCapabilities for a test node: the host (CPU, NUMA cells, security model) and the
// guests it offers, as libvirt's test driver describes its node.
import { ByteBuf } from "../util/bytes";
import { DomainNode } from "./lifecycle";

export function capabilitiesOf(node: DomainNode, out: ByteBuf): void {
  const info = node.info;
  out.str("<capabilities>\n\n  <host>\n    <cpu>\n      <arch>i686</arch>\n      <features>\n        <pae/>\n        <nonpae/>\n      </features>\n");
  out.str("      <pages unit='KiB' size='4'/>\n      <pages unit='KiB' size='8'/>\n      <pages unit='KiB' size='2048'/>\n      <pages unit='KiB' size='1048576'/>\n");
  out.str("    </cpu>\n    <power_management/>\n    <iommu support='no'/>\n    <topology>\n      <cells num='");
  const cells = info.nodes > 0 ? info.nodes : 1;
  out.u64(<u64>cells);
  out.str("'>\n");
  const cpusPerCell = info.cpus / cells;
  for (let cell = 0; cell < cells; cell++) {
    // libvirt's default node has cells of 2 and 4 GiB; a node file's memory is split evenly
    const memory: u64 = node.isDefault ? (cell == 0 ? 2097152 : 4194304) : info.memoryKiB / <u64>cells;
    const pageSize: u64 = node.isDefault && cell == 1 ? 8 : 4;
    out.str("        <cell id='");
    out.u64(<u64>cell);
    out.str("'>\n          <memory unit='KiB'>");
    out.u64(memory);
    out.str("</memory>\n          <pages unit='KiB' size='");
    out.u64(pageSize);
    out.str("'>");
    out.u64(node.isDefault ? 524288 : memory / pageSize);
    out.str("</pages>\n          <pages unit='KiB' size='2048'>0</pages>\n          <pages unit='KiB' size='1048576'>0</pages>\n          <cpus num='");
    out.u64(<u64>cpusPerCell);
    out.str("'>\n");
    for (let k = 0; k < cpusPerCell; k++) {
      const id = cell * cpusPerCell + k;
      out.str("            <cpu id='");
      out.u64(<u64>id);
      out.str("' socket_id='");
      out.u64(<u64>cell);
      out.str("' die_id='0' core_id='");
      out.u64(<u64>k);
      out.str("' siblings='");
      out.u64(<u64>id);
      out.str("'/>\n");
    }
    out.str("          </cpus>\n        </cell>\n");
  }
  out.str("      </cells>\n    </topology>\n    <secmodel>\n      <model>testSecurity</model>\n      <doi></doi>\n    </secmodel>\n  </host>\n\n");
  guest(out, "hvm");
  guest(out, "xen");
  out.str("</capabilities>\n");
}

function guest(out: ByteBuf, osType: string): void {
  out.str("  <guest>\n    <os_type>");
  out.str(osType);
  out.str("</os_type>\n    <arch name='i686'>\n      <wordsize>32</wordsize>\n      <emulator>/usr/bin/test-hv</emulator>\n      <domain type='test'/>\n    </arch>\n    <features>\n      <pae/>\n      <nonpae/>\n    </features>\n  </guest>\n\n");
}
