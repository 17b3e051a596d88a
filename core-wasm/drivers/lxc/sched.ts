// The LXC driver's scheduler ("posix", as libvirt's): cpu_shares, vcpu_period and vcpu_quota,
// kept in <cputune> of the live and/or persistent definition. A running container's cgroups
// follow its live definition (the host writes what liveSettings lists), and are where a running
// container's values are read (as libvirt reads them).
import { Code } from "../../errors";
import { ByteBuf } from "../../util/bytes";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { parseDocument, copyIntoDoc } from "../../xml/parser";
import { err } from "../../domain/context";
import { Definition } from "../../objects/definition";
import { DomainObj } from "../../objects/domain-list";
import { PlanWriter } from "../hosted/plan-writer";
import { CgroupLayout } from "./cgroups";
import { AFFECT_CONFIG, AFFECT_LIVE, lxcCapture } from "./lxc-driver";

const TYPE_LLONG = 3;
const TYPE_ULLONG = 4;

const doc = new Doc();

function load(def: Definition): bool {
  return parseDocument(doc, copyIntoDoc(doc, def.xml), "(domain_definition)");
}

/** The definitions flags select: [live, config] (null when not selected), or null on error. */
function selected(obj: DomainObj, flags: i32): StaticArray<Definition | null> | null {
  let live = (flags & AFFECT_LIVE) != 0;
  let config = (flags & AFFECT_CONFIG) != 0;
  if (!live && !config) {
    if (obj.active) live = true;
    else config = true;
  }
  if (live && !obj.active) {
    err(Code.OPERATION_INVALID).str("domain is not running");
    return null;
  }
  if (config && !obj.persistent) {
    err(Code.OPERATION_INVALID).str("transient domains do not have any persistent config");
    return null;
  }
  return [live ? obj.def : null, config ? obj.config : null];
}

function cputuneText(d: Doc, name: i32): string {
  const cputune = d.child(d.root, S.cputune);
  const n = cputune == NONE ? NONE : d.child(cputune, name);
  const t = n == NONE ? NONE : d.textNode(n);
  return t == NONE ? "0" : String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.valOffOf(t), <usize>d.valLenOf(t));
}

/**
 * The parameters of the definition flags select, as "field\ttype\tvalue" lines; for the live
 * one, then the cgroup files the host reads the running container's values from instead.
 */
export function getSchedParams(obj: DomainObj, flags: i32, layout: CgroupLayout, out: ByteBuf): bool {
  const defs = selected(obj, flags);
  if (defs === null) return false;
  const def = defs[0] !== null ? defs[0]! : defs[1]!;
  if (!load(def)) return false;
  out.str("cpu_shares\t4\t" + cputuneText(doc, S.shares) + "\n");
  out.str("vcpu_period\t4\t" + cputuneText(doc, S.period) + "\n");
  out.str("vcpu_quota\t3\t" + cputuneText(doc, S.quota) + "\n");
  if (defs[0] !== null) layout.writeSchedSources(new PlanWriter(out), obj.def.name);
  return true;
}

class Param {
  constructor(
    public field: string,
    public type: i32,
    public value: string,
  ) {}
}

function parseParams(text: string): Param[] | null {
  const params = new Array<Param>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].length == 0) continue;
    const f = lines[i].split("\t");
    const field = f[0];
    const type = f.length > 1 ? I32.parseInt(f[1]) : 0;
    const expected = field == "vcpu_quota" ? TYPE_LLONG : TYPE_ULLONG;
    if (field != "cpu_shares" && field != "vcpu_period" && field != "vcpu_quota") {
      err(Code.ARGUMENT_UNSUPPORTED).str("parameter '" + field + "' not supported");
      return null;
    }
    if (type != expected) {
      err(Code.INVALID_ARG).str("invalid type for parameter '" + field + "', expected '" + (expected == TYPE_LLONG ? "llong" : "ullong") + "'");
      return null;
    }
    params.push(new Param(field, type, f.length > 2 ? f[2] : "0"));
  }
  return params;
}

/** A copy of def with the parameters written into <cputune> (the rules then validate them). */
function withParams(def: Definition, params: Param[]): Definition | null {
  if (!load(def)) return null;
  let cputune = doc.child(doc.root, S.cputune);
  if (cputune == NONE) cputune = doc.addElement(doc.root, S.cputune);
  for (let i = 0; i < params.length; i++) {
    const name = params[i].field == "cpu_shares" ? S.shares : params[i].field == "vcpu_period" ? S.period : S.quota;
    let n = doc.child(cputune, name);
    if (n == NONE) n = doc.addElement(cputune, name);
    doc.setText(n, params[i].value);
  }
  return lxcCapture(doc, 0);
}

/** Sets the parameters (text lines as getSchedParams writes) in the selected definitions. */
export function setSchedParams(obj: DomainObj, text: string, flags: i32): bool {
  const params = parseParams(text);
  if (params === null) return false;
  const defs = selected(obj, flags);
  if (defs === null) return false;
  // every new definition first: a refused value leaves both as they were
  const live: Definition | null = defs[0] === null ? null : withParams(defs[0]!, params);
  if (defs[0] !== null && live === null) return false;
  const config: Definition | null = defs[1] === null ? null : withParams(defs[1]!, params);
  if (defs[1] !== null && config === null) return false;
  if (live !== null) obj.def = live;
  if (config !== null) {
    if (obj.newDef !== null) obj.newDef = config;
    else obj.def = config;
  }
  return true;
}
