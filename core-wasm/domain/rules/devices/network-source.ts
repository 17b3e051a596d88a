// Network storage sources: a disk's <source protocol=...> and the iSCSI LUN a source name implies
// (disks and iSCSI hostdevs).
import { Code, From } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { attrEnum, attrOf, ctx, err, invalidAttr, setAttrNumber } from "../../context";

/** An iSCSI source name without "/LUN" means LUN 0, which libvirt writes out. */
export function defaultLun(src: i32): void {
  const d = ctx.d;
  const a = attrOf(src, S.name);
  if (a == NONE) return;
  for (let i = 0, n = d.aLenOf(a); i < n; i++) if (d.buf.at(d.aOffOf(a) + i) == 47) return;
  const off = d.buf.length;
  d.buf.slice(d.buf, d.aOffOf(a), d.aLenOf(a));
  d.buf.str("/0");
  d.setAttrSlice(src, S.name, off, d.buf.length - off);
}

const PROTOCOLS = "nbd rbd sheepdog gluster iscsi http https ftp ftps tftp ssh vxhs nfs";
const DEFAULT_PORTS: StaticArray<i32> = [10809, 0, 7000, 24007, 3260, 80, 443, 21, 990, 69, 22, 9999, 0];

export function checkNetworkSource(src: i32): bool {
  const d = ctx.d;
  if (attrOf(src, S.protocol) == NONE) {
    const b = err(Code.XML_ERROR, From.XML);
    b.str("Missing required attribute 'protocol' in element 'source'");
    return false;
  }
  const protocol = attrEnum(src, S.protocol, PROTOCOLS);
  if (protocol < 0) return invalidAttr(src, S.protocol);
  if (protocol != 0 && attrOf(src, S.name) == NONE) {
    err(Code.XML_ERROR).str("missing name for disk source");
    return false;
  }
  if (protocol == 4) defaultLun(src);
  for (let h = d.child(src, S.host); h != NONE; h = d.nextNamed(h)) {
    const transport = attrEnum(h, S.transport, "tcp unix rdma");
    if (transport == 1) {
      if (attrOf(h, S.socket) == NONE) {
        err(Code.XML_ERROR).str("missing socket for unix transport");
        return false;
      }
      continue;
    }
    if (attrOf(h, S.name) == NONE) {
      err(Code.XML_ERROR).str("missing name for host");
      return false;
    }
    if (attrOf(h, S.port) == NONE && unchecked(DEFAULT_PORTS[protocol]) != 0) setAttrNumber(h, S.port, <u64>unchecked(DEFAULT_PORTS[protocol]));
  }
  return true;
}
