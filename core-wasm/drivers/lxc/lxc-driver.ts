// What is particular to lxc:/// domains: which definitions can run as a container, which
// changes reach a running container, and the cgroup writes matching its live definition. The
// registry, states and start and stop bookkeeping are every hosted driver's (drivers/hosted/).
import { vethServes } from "../hosted/interfaces";
import { Code } from "../../errors";
import { ByteBuf } from "../../util/bytes";
import { Doc, NONE } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { applyRules } from "../../domain/canonical";
import { ctx, err, Flag } from "../../domain/context";
import { Definition } from "../../objects/definition";
import { DomainObj } from "../../objects/domain-list";
import { HostedNode, loadDefinition, notRunning, scratch } from "../hosted/hosted-node";
import { attr, PlanWriter } from "../hosted/plan-writer";
import { isDecimal, pidsLimit } from "./cgroups";
import { Affect } from "../../abi/enums.gen";
import { checkTargets } from "./plan";

/** virDomainModificationImpact (the ABI table's): which definitions a change affects (neither: the current one). */
export const AFFECT_LIVE: i32 = Affect.LIVE;
export const AFFECT_CONFIG: i32 = Affect.CONFIG;

/**
 * Applies the rules to the parsed document d and checks that it can run as a container here:
 * type 'lxc', OS type 'exe' (init defaulting to /sbin/init, as libvirt's), numeric
 * inituser/initgroup (names would need the container's own user database), filesystem targets
 * that are absolute paths without "..".
 */
export function lxcCapture(d: Doc, flags: i32): Definition | null {
  ctx.defaultArch = "x86_64";
  const root = d.root;
  const typeAttr = d.attr(root, S.type);
  if (typeAttr == NONE || !d.attrIs(root, S.type, "lxc")) {
    const b = err(Code.CONFIG_UNSUPPORTED);
    b.str("domain type '");
    if (typeAttr != NONE) b.raw(d.buf.ptr + <usize>d.aOffOf(typeAttr), d.aLenOf(typeAttr));
    b.str("' is not supported by the LXC driver");
    return null;
  }
  const os = d.child(root, S.os);
  const osType = os == NONE ? NONE : d.child(os, S.type);
  if (osType == NONE || !d.textIs(osType, "exe")) {
    err(Code.CONFIG_UNSUPPORTED).str("the LXC driver runs only <os><type>exe</type></os> domains");
    return null;
  }
  if (d.child(os, S.init) == NONE) d.setText(d.addElement(os, S.init), "/sbin/init");
  for (let k = 0; k < 2; k++) {
    const n = d.child(os, k == 0 ? S.inituser : S.initgroup);
    if (n == NONE) continue;
    const t = d.textNode(n);
    const value = t == NONE ? "" : String.UTF8.decodeUnsafe(d.buf.ptr + <usize>d.valOffOf(t), <usize>d.valLenOf(t));
    if (!isDecimal(value)) {
      err(Code.CONFIG_UNSUPPORTED).str((k == 0 ? "inituser" : "initgroup") + " '" + value + "' must be a numeric id");
      return null;
    }
  }
  const devices = d.child(d.root, S.devices);
  for (let n = devices == NONE ? NONE : d.child(devices, S.interface_); n != NONE; n = d.nextNamed(n)) {
    const type = attr(d, n, S.type);
    if (!vethServes(type)) {
      err(Code.CONFIG_UNSUPPORTED).str("the LXC driver does not support <interface type='" + type + "'> (only 'network', 'bridge' and 'ethernet')");
      return null;
    }
  }
  // (secrets kept: the stored definition holds them; getXMLDesc leaves them out unless asked)
  if (!applyRules(d, flags | Flag.SECURE) || !checkTargets(d)) return null;
  if (pidsLimit(d).length == 0) return null;
  return Definition.fromDoc(d);
}

/**
 * Whether a change made with these flags reached the running domain's live definition, which its
 * cgroups then follow: AFFECT_LIVE, or neither flag (the current definition) while it runs.
 */
export function changesLive(obj: DomainObj, flags: i32): bool {
  return obj.active && ((flags & AFFECT_LIVE) != 0 || (flags & AFFECT_CONFIG) == 0);
}

/** The cgroup writes that make the running domain's limits match its live definition. */
export function liveSettings(node: HostedNode, obj: DomainObj, out: ByteBuf): bool {
  if (!obj.active) return notRunning();
  if (!loadDefinition(obj.def)) return false;
  node.layout.writeSettings(new PlanWriter(out), scratch, obj.def.name);
  return true;
}
