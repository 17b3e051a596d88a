// A domain definition as the registry keeps it: the canonical XML (libvirt's virDomainDef, in
// the form getXMLDesc returns) and the few values operations read without parsing it again.
// Changing a definition means parsing that XML, editing it and running the rules again (they
// are idempotent), which keeps one source of truth and libvirt's validation for every change.
import { ByteBuf, bytesOf } from "../util/bytes";
import { Doc, NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { writeDomain } from "../domain/canonical";
import { stripSecrets } from "../domain/secrets";
import { ParsedU64, parseU64, parseUUID, uuidBytes } from "../domain/values";

const scratch = new ByteBuf(16384);

/** Where this module's calls to the number parsers leave their value. */
const parsed = new ParsedU64();

function textOf(d: Doc, n: i32): string {
  const t = n == NONE ? NONE : d.textNode(n);
  if (t == NONE) return "";
  return String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.valOffOf(t), <usize>d.valLenOf(t));
}

function numberOf(d: Doc, n: i32): u64 {
  const t = n == NONE ? NONE : d.textNode(n);
  if (t == NONE || !parseU64(d.buf, d.valOffOf(t), d.valLenOf(t), parsed)) return 0;
  return parsed.value;
}

export class Definition {
  /** Canonical XML with secrets (what getXMLDesc returns with VIR_DOMAIN_XML_SECURE). */
  xml: ArrayBuffer = new ArrayBuffer(0);
  /** The same without secrets, when there are any. */
  publicXml: ArrayBuffer | null = null;
  name: string = "";
  /** The name as UTF-8, for records the host reads. */
  nameUtf8: ArrayBuffer = new ArrayBuffer(0);
  uuidHi: u64 = 0;
  uuidLo: u64 = 0;
  osType: string = "";
  /** <memory> and <currentMemory>, KiB. */
  memoryKiB: u64 = 0;
  currentKiB: u64 = 0;
  maxVcpus: i32 = 1;
  vcpus: i32 = 1;
  /** <on_reboot>: what a guest reboot does (restart, destroy, preserve, ...). */
  onReboot: string = "restart";
  /** The test driver's fair-scheduler weight (libvirt's test driver has no XML for it). */
  weight: u32 = 50;

  /** Captures the canonical document d (rules applied, secrets still in). */
  static fromDoc(d: Doc): Definition {
    const def = new Definition();
    const root = d.root;
    def.name = textOf(d, d.child(root, S.name));
    def.nameUtf8 = String.UTF8.encode(def.name);
    def.onReboot = textOf(d, d.child(root, S.on_reboot));
    const uuid = d.child(root, S.uuid);
    const t = d.textNode(uuid);
    parseUUID(d.buf, d.valOffOf(t), d.valLenOf(t));
    def.uuidHi = uuidHalf(0);
    def.uuidLo = uuidHalf(8);
    const os = d.child(root, S.os);
    def.osType = os == NONE ? "" : textOf(d, d.child(os, S.type));
    def.memoryKiB = numberOf(d, d.child(root, S.memory));
    def.currentKiB = numberOf(d, d.child(root, S.currentMemory));
    const vcpu = d.child(root, S.vcpu);
    def.maxVcpus = <i32>numberOf(d, vcpu);
    const current = d.attr(vcpu, S.current);
    def.vcpus = current != NONE && parseU64(d.buf, d.aOffOf(current), d.aLenOf(current), parsed) ? <i32>parsed.value : def.maxVcpus;
    scratch.clear();
    writeDomain(scratch, d);
    def.xml = bytesOf(scratch);
    if (stripSecrets(d)) {
      scratch.clear();
      writeDomain(scratch, d);
      def.publicXml = bytesOf(scratch);
    }
    return def;
  }

  /** The XML to return, with or without secrets. */
  xmlFor(secure: bool): ArrayBuffer {
    return secure || this.publicXml === null ? this.xml : this.publicXml!;
  }
}

/** Bytes at..at+7 of uuidBytes (the last UUID parsed or generated) as a big-endian half. */
export function uuidHalf(at: i32): u64 {
  let v: u64 = 0;
  for (let i = 0; i < 8; i++) v = (v << 8) | <u64>unchecked(uuidBytes[at + i]);
  return v;
}

/** Writes a UUID given as two halves in canonical form. */
export function formatUuidHalves(out: ByteBuf, hi: u64, lo: u64): void {
  for (let k = 0; k < 16; k++) {
    if (k == 4 || k == 6 || k == 8 || k == 10) out.byte(45);
    const half = k < 8 ? hi : lo;
    out.hex((half >> (<u64>(7 - (k & 7)) << 3)) & 0xff, 2);
  }
}
