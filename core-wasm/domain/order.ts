// Puts attributes and children into libvirt's output order (schema.ts), checking on the way what
// the layout says about values and counts. The user's unknown items travel with the known item
// they followed, so nothing changes place relative to its neighbour.
import { IntVec } from "../util/intvec";
import { Code, From, beginError } from "../errors";
import { Doc, Kind, NONE } from "../xml/dom";
import { appendSymbol } from "../xml/symbols";
import { enumIndex, invalidAttr } from "./context";
import { attrSlot, attrSlotChoices, attrSlotRank, childSlot, NO_SPEC, slotRank, slotSingle, slotSpec } from "./schema";

const items = new IntVec(256);
const keys = new IntVec(256);
const counts = new IntVec(256);
const sorted = new IntVec(256);

/** Per node: its child-table slot and the parent it was computed under (checkCardinality fills them). */
const nodeSlot = new IntVec(1024);
const slotParent = new IntVec(1024);

/** The layout slot of child element c of n (spec), reusing checkCardinality's result when still valid. */
@inline function slotOfChild(d: Doc, n: i32, spec: i32, c: i32): i32 {
  if (c < slotParent.length && slotParent.get(c) == n) return nodeSlot.get(c);
  return childSlot(spec, d.nameOf(c));
}

/** Stable counting sort of items by keys (keys are small: -1 up to a few hundred). Returns false if already in order. */
function sortItems(): bool {
  const n = items.length;
  let inOrder = true;
  let maxKey = -1;
  for (let i = 0; i < n; i++) {
    const k = keys.get(i);
    if (i > 0 && keys.get(i - 1) > k) inOrder = false;
    if (k > maxKey) maxKey = k;
  }
  if (inOrder) return false;
  const buckets = maxKey + 2;
  counts.length = 0;
  counts.reserve(buckets + 1);
  for (let b = 0; b <= buckets; b++) counts.push(0);
  for (let i = 0; i < n; i++) {
    const b = keys.get(i) + 2;
    counts.set(b, counts.get(b) + 1);
  }
  for (let b = 1; b <= buckets; b++) counts.set(b, counts.get(b) + counts.get(b - 1));
  sorted.length = 0;
  sorted.reserve(n);
  sorted.length = n;
  for (let i = 0; i < n; i++) {
    const b = keys.get(i) + 1;
    const at = counts.get(b);
    counts.set(b, at + 1);
    sorted.set(at, items.get(i));
  }
  return true;
}

/** Checks enumerated values and orders the attributes of n; false (error set) on a bad value. */
function orderAttributes(d: Doc, n: i32, spec: i32): bool {
  items.clear();
  keys.clear();
  let key = -1;
  for (let a = d.attrFirstOf(n); a != NONE; a = d.aNextOf(a)) {
    const slot = attrSlot(spec, d.aNameOf(a));
    if (slot >= 0) {
      key = attrSlotRank(slot);
      const choices = attrSlotChoices(slot);
      if (choices !== null && enumIndex(d.buf, d.aOffOf(a), d.aLenOf(a), choices) < 0) return invalidAttr(n, d.aNameOf(a));
    }
    items.push(a);
    keys.push(key);
  }
  if (items.length < 2 || !sortItems()) return true;
  d.setAttrFirst(n, sorted.get(0));
  for (let i = 0; i < sorted.length - 1; i++) d.setANext(sorted.get(i), sorted.get(i + 1));
  d.setANext(sorted.last(), NONE);
  d.setAttrLast(n, sorted.last());
  return true;
}

/** True if text node t is only whitespace; `layout` also asks for a line break in it. */
function isBlank(d: Doc, t: i32, layout: bool): bool {
  const off = d.valOffOf(t);
  const len = d.valLenOf(t);
  let newline = false;
  for (let i = 0; i < len; i++) {
    const c = d.buf.at(off + i);
    if (c == 10) newline = true;
    else if (c != 32 && c != 9 && c != 13) return false;
  }
  return newline || !layout;
}

/**
 * Drops whitespace that is only layout from an element the layout knows (libvirt never keeps
 * it): indentation as its only content, and any blank text beside child elements (which rules
 * may have added to an element that was empty).
 */
function dropLayoutText(d: Doc, n: i32): void {
  let hasText = false;
  let hasElements = false;
  for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) {
    if (d.kindOf(c) == Kind.Text) hasText = true;
    else if (d.kindOf(c) == Kind.Element) hasElements = true;
  }
  if (!hasText) return;
  for (let t = d.firstOf(n); t != NONE; ) {
    const nx = d.nextOf(t);
    if (d.kindOf(t) == Kind.Text && isBlank(d, t, !hasElements)) d.remove(t);
    t = nx;
  }
}

/** Orders the children of n; leaves each element child's spec in childSpecs (parallel to the element order). */
function orderChildren(d: Doc, n: i32, spec: i32): void {
  dropLayoutText(d, n);
  items.clear();
  keys.clear();
  let key = -1;
  for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) {
    if (d.kindOf(c) == Kind.Element) {
      const slot = slotOfChild(d, n, spec, c);
      nodeSlot.set(c, slot);
      slotParent.set(c, n);
      const r = slotRank(slot);
      if (r >= 0) {
        key = r;
        if (slotSpec(slot) == NO_SPEC) dropLayoutText(d, c);
      }
    }
    items.push(c);
    keys.push(key);
  }
  if (items.length < 2 || !sortItems()) return;
  let prev = NONE;
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted.get(i);
    d.setPrev(c, prev);
    if (prev == NONE) d.setFirst(n, c);
    else d.setNext(prev, c);
    prev = c;
  }
  d.setNext(prev, NONE);
  d.setLast(n, prev);
}

/** Orders element n (described by spec) and, below it, every element the schema describes. */
export function orderTree(d: Doc, n: i32, spec: i32): bool {
  if (spec == NO_SPEC) return true;
  if (!orderAttributes(d, n, spec)) return false;
  growSlots(d);
  orderChildren(d, n, spec);
  for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) {
    if (d.kindOf(c) == Kind.Element && !orderTree(d, c, slotSpec(nodeSlot.get(c)))) return false;
  }
  return true;
}

@inline function growSlots(d: Doc): void {
  while (nodeSlot.length < d.nodes.length) {
    nodeSlot.push(-1);
    slotParent.push(NONE);
  }
}

/** Per symbol: the parent element in which it was last seen, for duplicate detection. */
const seenIn = new IntVec(1024);

/**
 * Refuses a second copy of an element that may appear only once (libvirt would silently read
 * the first and drop the others). Runs before any rule reads the document, and remembers each
 * element's layout slot for orderTree.
 */
export function checkCardinality(d: Doc, n: i32, spec: i32): bool {
  if (spec == NO_SPEC) return true;
  growSlots(d);
  for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) {
    if (d.kindOf(c) != Kind.Element) continue;
    const name = d.nameOf(c);
    const slot = childSlot(spec, name);
    nodeSlot.set(c, slot);
    slotParent.set(c, n);
    if (slotSingle(slot)) {
      while (seenIn.length <= name) seenIn.push(-1);
      if (seenIn.get(name) == n) {
        const b = beginError(Code.XML_ERROR, From.DOMAIN);
        b.str("element '");
        appendSymbol(b, name);
        b.str("' can only appear once");
        return false;
      }
      seenIn.set(name, n);
    }
  }
  for (let c = d.firstOf(n); c != NONE; c = d.nextOf(c)) {
    if (d.kindOf(c) == Kind.Element && !checkCardinality(d, c, slotSpec(nodeSlot.get(c)))) return false;
  }
  return true;
}

/** Forgets marks and slots left by an earlier document (node handles are reused). */
export function resetCardinality(): void {
  memory.fill(seenIn.ptr, 0xff, <usize>seenIn.length << 2);
  memory.fill(slotParent.ptr, 0xff, <usize>slotParent.length << 2);
}
