// Puts attributes and children into libvirt's output order (schema.ts). The user's unknown items
// travel with the known item they followed, so nothing changes place relative to its neighbour.
import { IntVec } from "../util/intvec";
import { Doc, Kind, NONE } from "../xml/dom";
import { Code, From, beginError } from "../errors";
import { appendSymbol } from "../xml/symbols";
import { attrRank, childIsSingle, childRank, childSpec, NO_SPEC } from "./schema";

const items = new IntVec(256);
const keys = new IntVec(256);
const counts = new IntVec(256);
const sorted = new IntVec(256);

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

function orderAttributes(d: Doc, n: i32, spec: i32): void {
  items.clear();
  keys.clear();
  let key = -1;
  for (let a = d.attrFirst.get(n); a != NONE; a = d.aNext.get(a)) {
    const r = attrRank(spec, d.aName.get(a));
    if (r >= 0) key = r;
    items.push(a);
    keys.push(key);
  }
  if (items.length < 2 || !sortItems()) return;
  d.attrFirst.set(n, sorted.get(0));
  for (let i = 0; i < sorted.length - 1; i++) d.aNext.set(sorted.get(i), sorted.get(i + 1));
  d.aNext.set(sorted.last(), NONE);
  d.attrLast.set(n, sorted.last());
}

function orderChildren(d: Doc, n: i32, spec: i32): void {
  items.clear();
  keys.clear();
  let key = -1;
  for (let c = d.first.get(n); c != NONE; c = d.next.get(c)) {
    if (d.kind.get(c) == Kind.Element) {
      const r = childRank(spec, d.name.get(c));
      if (r >= 0) key = r;
    }
    items.push(c);
    keys.push(key);
  }
  if (items.length < 2 || !sortItems()) return;
  let prev = NONE;
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted.get(i);
    d.prev.set(c, prev);
    if (prev == NONE) d.first.set(n, c);
    else d.next.set(prev, c);
    prev = c;
  }
  d.next.set(prev, NONE);
  d.last.set(n, prev);
}

/** Orders element n (described by spec) and, below it, every element the schema describes. */
export function orderTree(d: Doc, n: i32, spec: i32): void {
  if (spec == NO_SPEC) return;
  orderAttributes(d, n, spec);
  orderChildren(d, n, spec);
  for (let c = d.first.get(n); c != NONE; c = d.next.get(c)) {
    if (d.kind.get(c) == Kind.Element) orderTree(d, c, childSpec(spec, d.name.get(c)));
  }
}

/** Per symbol: the parent element (+1) in which it was last seen, for duplicate detection. */
const seenIn = new IntVec(1024);

/**
 * Refuses a second copy of an element that may appear only once (libvirt would silently read
 * the first and drop the others). Runs before any rule reads the document.
 */
export function checkCardinality(d: Doc, n: i32, spec: i32): bool {
  if (spec == NO_SPEC) return true;
  for (let c = d.first.get(n); c != NONE; c = d.next.get(c)) {
    if (d.kind.get(c) != Kind.Element) continue;
    const name = d.name.get(c);
    if (childIsSingle(spec, name)) {
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
  for (let c = d.first.get(n); c != NONE; c = d.next.get(c)) {
    if (d.kind.get(c) == Kind.Element && !checkCardinality(d, c, childSpec(spec, d.name.get(c)))) return false;
  }
  return true;
}

/** Forgets marks left by an earlier document (node handles are reused). */
export function resetCardinality(): void {
  memory.fill(seenIn.ptr, 0xff, <usize>seenIn.length << 2);
}
