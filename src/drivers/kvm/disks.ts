// A kvm:/// domain's disks as domblkstat and domblkinfo see them: found by target name or source
// path (libvirt's virDomainDiskByName), counted by the VMM (its "blkstat" control command), sized
// from the image on the host.
import { readSync, statSync } from "node:fs";
import type { DiskDef } from "../../domain-def.js";
import { parseDomainXML } from "../../domain-xml.js";
import type { DiskShim } from "../../host/native.js";
import { TypedParameterType } from "../../constants.js";
import type { BlockInfo, BlockStats, TypedParameter } from "../driver.js";

/** The disk of a domain's XML named `name`: its target (vda) or its source. */
export function findDisk(xml: string, name: string): DiskDef | undefined {
  return (parseDomainXML(xml).devices?.disk ?? []).find((disk) => disk.target.dev === name || (name !== "" && diskSource(disk) === name));
}

export function diskSource(disk: DiskDef): string | undefined {
  const source = disk.source?.[disk.type === "block" ? "dev" : "file"];
  return typeof source === "string" ? source : undefined;
}

/** The counters of a "blkstat" reply ("ok NAME VALUE …"), by libvirt's typed-parameter names. */
export function parseBlkstatReply(reply: string): Map<string, number> | undefined {
  const [ok, ...words] = reply.split(" ");
  if (ok !== "ok" || words.length % 2 !== 0) return undefined;
  const counters = new Map<string, number>();
  for (let i = 0; i < words.length; i += 2) counters.set(words[i], Number(words[i + 1]));
  return counters;
}

/** The typed parameters of virDomainBlockStatsFlags, in the order libvirt's qemu driver gives them. */
const STATS_FLAGS_ORDER = ["wr_bytes", "wr_operations", "rd_bytes", "rd_operations", "flush_operations", "wr_total_times", "rd_total_times", "flush_total_times"];

export function blockStatsParameters(counters: Map<string, number>): TypedParameter[] {
  return STATS_FLAGS_ORDER.filter((field) => counters.has(field)).map((field) => ({ field, type: TypedParameterType.VIR_TYPED_PARAM_LLONG, value: counters.get(field)! }));
}

/** virDomainBlockStats' struct: errors are not counted (-1, as libvirt's qemu driver says). */
export function blockStatsStruct(counters: Map<string, number>): BlockStats {
  const get = (name: string) => counters.get(name) ?? -1;
  return { rd_req: get("rd_operations"), rd_bytes: get("rd_bytes"), wr_req: get("wr_operations"), wr_bytes: get("wr_bytes"), errs: -1 };
}

/** What reads a qcow2 header's size (core.wasm's imageCapacity). */
export type CapacityReader = (header: Uint8Array, fileBytes: number) => string;
/** The bytes of a qcow2 header that hold its size. */
const QCOW2_HEADER_BYTES = 512;

/**
 * An image's sizes: physical is the file's (or block device's) size; capacity is what the guest
 * sees, the whole file for raw, the header's size for qcow2; allocation is what the host stores
 * of a file (a sparse file less). Nothing reports a block device's allocation (0, as libvirt says
 * for an inactive domain's).
 */
export function imageBlockInfo(disk: DiskDef, shim: DiskShim, capacityOf: CapacityReader): BlockInfo {
  const source = diskSource(disk) ?? "";
  const { handle, bytes } = shim.open(source, false, false);
  let capacity = bytes;
  try {
    if (disk.driver?.type === "qcow2") {
      const header = new Uint8Array(Math.min(QCOW2_HEADER_BYTES, bytes));
      readSync(handle, header, 0, header.length, 0);
      capacity = Number(capacityOf(header, bytes));
    }
  } finally {
    shim.close(handle);
  }
  if (disk.type === "block") return { capacity, allocation: 0, physical: bytes };
  return { capacity, allocation: statSync(source).blocks * 512, physical: bytes };
}
