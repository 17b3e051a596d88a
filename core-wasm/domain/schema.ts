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

/**
 * (spec, symbol) → rank, target (child spec or enum list) and single flag. Entries are collected
 * while the layout loads, then packed into one small open-addressing row per spec, indexed by
 * the symbol id's low bits: a lookup touches a few adjacent words that stay in cache.
 */
class PairTable {
  // while loading
  pendingSpec: IntVec = new IntVec(1024);
  pendingSym: IntVec = new IntVec(1024);
  pendingRank: IntVec = new IntVec(1024);
  pendingTarget: IntVec = new IntVec(1024);
  pendingSingle: IntVec = new IntVec(1024);
  // packed: per spec a row of 2^k slots; each slot is (sym + 1, rank, target, single)
  rowBase: IntVec = new IntVec(256);
  rowMask: IntVec = new IntVec(256);
  slots: IntVec = new IntVec(4096);

  put(spec: i32, sym: i32, rank: i32, target: i32, single: bool = false): void {
    this.pendingSpec.push(spec);
    this.pendingSym.push(sym);
    this.pendingRank.push(rank);
    this.pendingTarget.push(target);
    this.pendingSingle.push(single ? 1 : 0);
  }

  pack(specCount: i32): void {
    const perSpec = new StaticArray<i32>(specCount);
    for (let i = 0; i < this.pendingSpec.length; i++) perSpec[this.pendingSpec.get(i)]++;
    let total = 0;
    for (let s = 0; s < specCount; s++) {
      let size = 1;
      while (size < perSpec[s] * 2) size <<= 1;
      this.rowBase.push(total);
      this.rowMask.push(size - 1);
      total += size;
    }
    this.slots.reserve(total * 4);
    this.slots.length = total * 4;
    memory.fill(this.slots.ptr, 0, <usize>total << 4);
    for (let i = 0; i < this.pendingSpec.length; i++) {
      const spec = this.pendingSpec.get(i);
      const sym = this.pendingSym.get(i);
      let h = sym & this.rowMask.get(spec);
      while (this.slots.get((this.rowBase.get(spec) + h) << 2) != 0) h = (h + 1) & this.rowMask.get(spec);
      const at = (this.rowBase.get(spec) + h) << 2;
      this.slots.set(at, sym + 1);
      this.slots.set(at + 1, this.pendingRank.get(i));
      this.slots.set(at + 2, this.pendingTarget.get(i));
      this.slots.set(at + 3, this.pendingSingle.get(i));
    }
  }

  /** Index of the (spec, sym) entry (pass it to rank/target/single), or -1. */
  find(spec: i32, sym: i32): i32 {
    const base = this.rowBase.get(spec);
    const mask = this.rowMask.get(spec);
    let h = sym & mask;
    while (true) {
      const at = (base + h) << 2;
      const k = this.slots.get(at);
      if (k == sym + 1) return at;
      if (k == 0) return -1;
      h = (h + 1) & mask;
    }
  }

  @inline rank(slot: i32): i32 {
    return this.slots.get(slot + 1);
  }

  @inline target(slot: i32): i32 {
    return this.slots.get(slot + 2);
  }

  @inline single(slot: i32): bool {
    return this.slots.get(slot + 3) == 1;
  }
}

const attrTable = new PairTable();
const childTable = new PairTable();


/** The attribute table slot for (spec, sym), or -1: read it with attrSlotRank/attrSlotChoices. */
export function attrSlot(spec: i32, sym: i32): i32 {
  return spec == NO_SPEC ? -1 : attrTable.find(spec, sym);
}

@inline export function attrSlotRank(slot: i32): i32 {
  return slot < 0 ? -1 : attrTable.rank(slot);
}

/** The allowed values (space-separated) of the attribute in this slot, or null when any value goes. */
export function attrSlotChoices(slot: i32): string | null {
  if (slot < 0) return null;
  const e = attrTable.target(slot);
  return e < 0 ? null : enumLists[e];
}



/** The child table slot for (spec, sym), or -1: read it with slotRank/slotSpec/slotSingle. */
export function childSlot(spec: i32, sym: i32): i32 {
  return spec == NO_SPEC ? -1 : childTable.find(spec, sym);
}

@inline export function slotRank(slot: i32): i32 {
  return slot < 0 ? -1 : childTable.rank(slot);
}

@inline export function slotSpec(slot: i32): i32 {
  return slot < 0 ? NO_SPEC : childTable.target(slot);
}

@inline export function slotSingle(slot: i32): bool {
  return slot >= 0 && childTable.single(slot);
}


export function specByName(name: string): i32 {
  return specNames.indexOf(name);
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
  attrTable.pack(specNames.length);
  childTable.pack(specNames.length);
}
loadLayout();
