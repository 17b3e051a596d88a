// The order in which libvirt writes each element's attributes and children, as data.
//
// DOMAIN_LAYOUT (layout.ts) describes every element the core knows, one line each:
//
//   spec: @attr @attr child child=otherSpec child ...
//
// Attributes (with @) and children are listed in libvirt's output order. `@a=x|y|z` restricts an
// attribute to those values (checked before any rule runs, with libvirt's enum error); a child marked `x!` may
// appear only once (libvirt would silently use the first, virtkit refuses the rest). A child named `x` of
// spec `s` uses spec `s/x` when one is defined; `x=t` uses spec `t` instead (shared shapes such
// as <address>). Anything not listed is the user's own content: it keeps its place, right after
// the known item that preceded it, and its subtree is written as given.
import { IntVec } from "../util/intvec";
import { internString } from "../xml/symbols";
import { DOMAIN_LAYOUT } from "./layout";

export const NO_SPEC: i32 = -1;

const specNames = new Array<string>();
/** Allowed values of enumerated attributes, space-separated, indexed by the attribute table's target. */
const enumLists = new Array<string>();

/** Open-addressing table keyed by (spec, symbol), holding a rank and a child spec. */
class PairTable {
  keySpec: IntVec = new IntVec(8192);
  keySym: IntVec = new IntVec(8192);
  rank: IntVec = new IntVec(8192);
  target: IntVec = new IntVec(8192);
  single: IntVec = new IntVec(8192);
  mask: i32 = 8191;

  constructor() {
    this.keySpec.length = 8192;
    memory.fill(this.keySpec.ptr, 0xff, 8192 << 2);
    this.keySym.length = 8192;
    this.rank.length = 8192;
    this.target.length = 8192;
    this.single.length = 8192;
  }

  @inline slot(spec: i32, sym: i32): i32 {
    let s = <i32>(((<u32>spec * 0x9e3779b1) ^ (<u32>sym * 0x85ebca77)) >> 7) & this.mask;
    while (true) {
      const k = this.keySpec.get(s);
      if (k == -1 || (k == spec && this.keySym.get(s) == sym)) return s;
      s = (s + 1) & this.mask;
    }
  }

  put(spec: i32, sym: i32, rank: i32, target: i32, single: bool = false): void {
    const s = this.slot(spec, sym);
    this.keySpec.set(s, spec);
    this.keySym.set(s, sym);
    this.rank.set(s, rank);
    this.target.set(s, target);
    this.single.set(s, single ? 1 : 0);
  }

  /** Slot holding (spec, sym), or -1. */
  find(spec: i32, sym: i32): i32 {
    const s = this.slot(spec, sym);
    return this.keySpec.get(s) == -1 ? -1 : s;
  }
}

const attrTable = new PairTable();
const childTable = new PairTable();

/** Rank of attribute sym in spec's output order, or -1 when the spec does not know it. */
export function attrRank(spec: i32, sym: i32): i32 {
  if (spec == NO_SPEC) return -1;
  const s = attrTable.find(spec, sym);
  return s < 0 ? -1 : attrTable.rank.get(s);
}

/** The allowed values of attribute sym of spec (space-separated), or null when any value goes. */
export function attrChoices(spec: i32, sym: i32): string | null {
  if (spec == NO_SPEC) return null;
  const s = attrTable.find(spec, sym);
  if (s < 0) return null;
  const e = attrTable.target.get(s);
  return e < 0 ? null : enumLists[e];
}

/** Rank of child element sym in spec's output order, or -1. */
export function childRank(spec: i32, sym: i32): i32 {
  if (spec == NO_SPEC) return -1;
  const s = childTable.find(spec, sym);
  return s < 0 ? -1 : childTable.rank.get(s);
}

/** The spec describing child element sym of spec, or NO_SPEC. */
export function childSpec(spec: i32, sym: i32): i32 {
  if (spec == NO_SPEC) return NO_SPEC;
  const s = childTable.find(spec, sym);
  return s < 0 ? NO_SPEC : childTable.target.get(s);
}

/** The child table slot for (spec, sym), or -1: read it with slotRank/slotSpec/slotSingle. */
export function childSlot(spec: i32, sym: i32): i32 {
  return spec == NO_SPEC ? -1 : childTable.find(spec, sym);
}

@inline export function slotRank(slot: i32): i32 {
  return slot < 0 ? -1 : childTable.rank.get(slot);
}

@inline export function slotSpec(slot: i32): i32 {
  return slot < 0 ? NO_SPEC : childTable.target.get(slot);
}

@inline export function slotSingle(slot: i32): bool {
  return slot >= 0 && childTable.single.get(slot) == 1;
}

/** True when child element sym of spec may appear at most once (marked `!` in the layout). */
export function childIsSingle(spec: i32, sym: i32): bool {
  if (spec == NO_SPEC) return false;
  const s = childTable.find(spec, sym);
  return s >= 0 && childTable.single.get(s) == 1;
}

export function specByName(name: string): i32 {
  return specNames.indexOf(name);
}

export function specName(spec: i32): string {
  return spec >= 0 && spec < specNames.length ? specNames[spec] : "";
}

// ---- loading DOMAIN_LAYOUT ---------------------------------------------------------------------

class PendingChild {
  constructor(
    public spec: i32,
    public sym: i32,
    public rank: i32,
    public target: string,
    public single: bool,
  ) {}
}

function specId(name: string): i32 {
  let id = specNames.indexOf(name);
  if (id < 0) {
    id = specNames.length;
    specNames.push(name);
  }
  return id;
}

function loadLayout(): void {
  const pending = new Array<PendingChild>();
  const defined = new Set<string>();
  const lines = DOMAIN_LAYOUT.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length == 0 || line.charCodeAt(0) == 35) continue;
    const colon = line.indexOf(": ");
    const name = colon < 0 ? line.substring(0, line.length - 1) : line.substring(0, colon);
    const spec = specId(name);
    defined.add(name);
    if (colon < 0) continue;
    const items = line.substring(colon + 2).split(" ");
    let attrs = 0;
    let children = 0;
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      if (item.length == 0) continue;
      if (item.charCodeAt(0) == 64) {
        const eq = item.indexOf("=");
        let choices = NO_SPEC;
        if (eq > 0) {
          choices = enumLists.length;
          enumLists.push(item.substring(eq + 1).replaceAll("|", " "));
        }
        attrTable.put(spec, internString(item.substring(1, eq > 0 ? eq : item.length)), attrs++, choices);
        continue;
      }
      const single = item.charCodeAt(item.length - 1) == 33;
      const plain = single ? item.substring(0, item.length - 1) : item;
      const eq = plain.indexOf("=");
      const child = eq < 0 ? plain : plain.substring(0, eq);
      const target = eq < 0 ? name + "/" + child : plain.substring(eq + 1);
      pending.push(new PendingChild(spec, internString(child), children++, target, single));
    }
  }
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i];
    const target = defined.has(p.target) ? specId(p.target) : NO_SPEC;
    childTable.put(p.spec, p.sym, p.rank, target, p.single);
  }
}
loadLayout();
