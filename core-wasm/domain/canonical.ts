// Domain XML in, libvirt-canonical domain XML out. The rules run in libvirt's parse order, so
// when a document has several problems the error reported is the one libvirt reports.
import { ByteBuf } from "../util/bytes";
import { Doc, NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { parseDocument } from "../xml/parser";
import { writeElement, WriterOptions } from "../xml/writer";
import { ctx, Flag } from "./context";
import { checkCardinality, orderTree, resetCardinality } from "./order";
import { stripSecrets } from "./secrets";
import { specByName } from "./schema";
import { checkClock, checkFeatures, checkIdentity, checkIdmap, checkLifecycle, checkOS, checkRoot } from "./rules/general";
import { checkMemory, finishMemory, SizeKiB } from "./rules/memory";
import { checkCpu, checkCpuNuma, checkCputune, checkIothreads, checkNumatune, checkVcpus } from "./rules/cpu";
import { checkChardevs } from "./rules/chardev";
import { checkDevices, hotplugMemoryKiB } from "./rules/devices";
import { checkGraphics } from "./rules/graphics";

const DOMAIN_SPEC = specByName("domain");
const writerOptions = new WriterOptions();
writerOptions.alwaysOpen = [S.devices, S.redirdev];
writerOptions.libxmlChildren = S.metadata;
/** The memory of the NUMA cells, from checkCpuNuma to finishMemory. */
const numaKiB = new SizeKiB();

/** Parses, validates and normalises the document in d (len input bytes) in place. */
export function canonicalizeDoc(d: Doc, len: i32, flags: i32): bool {
  return parseDocument(d, len, "(domain_definition)") && applyRules(d, flags);
}

/** Validates and normalises the parsed document in d (drivers may have edited it). */
export function applyRules(d: Doc, flags: i32): bool {
  ctx.d = d;
  ctx.flags = flags & (Flag.SECURE | Flag.INACTIVE);
  ctx.root = d.root;
  ctx.maxVcpus = 1;
  if (!checkRoot()) return false;
  resetCardinality();
  if (!checkCardinality(d, d.root, DOMAIN_SPEC)) return false;
  if (!checkIdentity() || !checkOS()) return false;
  if (!checkMemory() || !checkVcpus() || !checkIothreads() || !checkCputune()) return false;
  if (!checkCpu() || !checkCpuNuma(numaKiB) || !checkNumatune() || !checkFeatures() || !checkLifecycle() || !checkClock()) return false;
  let devices = d.child(d.root, S.devices);
  if (devices == NONE) devices = d.addElement(d.root, S.devices);
  const hvm = isHvm();
  if (!checkChardevs(devices, hvm) || !checkDevices(devices, hvm) || !checkGraphics(devices)) return false;
  if (!checkIdmap() || !finishMemory(numaKiB.value, hotplugMemoryKiB(devices))) return false;
  if (!orderTree(d, d.root, DOMAIN_SPEC)) return false;
  if ((flags & Flag.SECURE) == 0) stripSecrets(d);
  return true;
}

/** Puts elements a driver added after applyRules (addresses, controllers) into libvirt's order. */
export function reorderDomain(d: Doc): bool {
  return orderTree(d, d.root, DOMAIN_SPEC);
}

function isHvm(): bool {
  const os = ctx.d.child(ctx.root, S.os);
  if (os == NONE) return false;
  const type = ctx.d.child(os, S.type);
  return type != NONE && ctx.d.textIs(type, "hvm");
}

/** Writes the canonical document held in d. */
export function writeDomain(out: ByteBuf, d: Doc): void {
  writeElement(out, d, d.root, 0, writerOptions);
}
