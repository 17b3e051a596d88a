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
import { intern, internString } from "../xml/symbols";
import { DOMAIN_LAYOUT } from "./layout";

export const NO_SPEC: i32 = -1;

const specNames = new Array<string>();
/** specNames' inverse: the layout names hundreds of specs, too many for linear searches at start-up. */
const specIds = new Map<string, i32>();
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
  return specIds.has(name) ? specIds.get(name) : -1;
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
  if (specIds.has(name)) return specIds.get(name);
  const id = specNames.length;
  specNames.push(name);
  specIds.set(name, id);
  return id;
}

/** Interns text[start, end) (ASCII, as layout names are) without allocating a string for it. */
const nameScratch = new StaticArray<u8>(256);
function internRange(text: string, start: i32, end: i32): i32 {
  const len = end - start;
  for (let i = 0; i < len; i++) unchecked((nameScratch[i] = <u8>text.charCodeAt(start + i)));
  return intern(changetype<usize>(nameScratch), len);
}

function indexOfFrom(text: string, code: i32, from: i32, end: i32): i32 {
  for (let i = from; i < end; i++) if (text.charCodeAt(i) == code) return i;
  return -1;
}

/**
 * Reads DOMAIN_LAYOUT. It runs at every start, before the first document, so it walks the text
 * by index: splitting it into line and word strings cost milliseconds of allocation.
 */
function loadLayout(): void {
  const text = DOMAIN_LAYOUT;
  const n = text.length;
  const pending = new Array<PendingChild>();
  let lineStart = 0;
  while (lineStart < n) {
    let lineEnd = indexOfFrom(text, 10, lineStart, n);
    if (lineEnd < 0) lineEnd = n;
    let a = lineStart;
    let b = lineEnd;
    lineStart = lineEnd + 1;
    while (a < b && text.charCodeAt(a) == 32) a++;
    while (b > a && text.charCodeAt(b - 1) == 32) b--;
    if (a == b || text.charCodeAt(a) == 35) continue;
    let colon = indexOfFrom(text, 58, a, b);
    while (colon >= 0 && colon + 1 < b && text.charCodeAt(colon + 1) != 32) colon = indexOfFrom(text, 58, colon + 1, b);
    if (colon < 0 || colon + 1 >= b) {
      specId(text.substring(a, b - 1)); // "name:" with nothing listed
      continue;
    }
    const name = text.substring(a, colon);
    const spec = specId(name);
    let attrs = 0;
    let children = 0;
    let p = colon + 2;
    while (p < b) {
      while (p < b && text.charCodeAt(p) == 32) p++;
      if (p >= b) break;
      let e = indexOfFrom(text, 32, p, b);
      if (e < 0) e = b;
      const itemStart = p;
      p = e;
      if (text.charCodeAt(itemStart) == 64) {
        const eq = indexOfFrom(text, 61, itemStart, e);
        let choices = NO_SPEC;
        if (eq > 0) {
          choices = enumLists.length;
          enumLists.push(text.substring(eq + 1, e).replaceAll("|", " "));
        }
        attrTable.put(spec, internRange(text, itemStart + 1, eq > 0 ? eq : e), attrs++, choices);
        continue;
      }
      const single = text.charCodeAt(e - 1) == 33;
      const plainEnd = single ? e - 1 : e;
      const eq = indexOfFrom(text, 61, itemStart, plainEnd);
      const childEnd = eq < 0 ? plainEnd : eq;
      const target = eq < 0 ? name + "/" + text.substring(itemStart, childEnd) : text.substring(eq + 1, plainEnd);
      pending.push(new PendingChild(spec, internRange(text, itemStart, childEnd), children++, target, single));
    }
  }
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i];
    const target = specIds.has(p.target) ? specIds.get(p.target) : NO_SPEC;
    childTable.put(p.spec, p.sym, p.rank, target, p.single);
  }
  attrTable.pack(specNames.length);
  childTable.pack(specNames.length);
}
loadLayout();
