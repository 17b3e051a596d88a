// A parsed XML document as flat tables: nodes and attributes are integer handles into parallel
// arrays, and every string is an (offset, length) slice of one byte buffer that starts with the
// input document itself. Reusing one Doc per call keeps parsing free of per-node allocation.
import { ByteBuf } from "../util/bytes";
import { IntVec } from "../util/intvec";
import { symbolEquals } from "./symbols";

export const enum Kind {
  Element = 1,
  Text = 2,
  Comment = 3,
  PI = 4,
}

export const NONE: i32 = -1;

export class Doc {
  /** Input bytes in [0, inputLen), then decoded or synthesized strings. */
  buf: ByteBuf = new ByteBuf(8192);
  inputLen: i32 = 0;
  root: i32 = NONE;

  kind: IntVec = new IntVec(256);
  name: IntVec = new IntVec(256);
  parent: IntVec = new IntVec(256);
  first: IntVec = new IntVec(256);
  last: IntVec = new IntVec(256);
  next: IntVec = new IntVec(256);
  prev: IntVec = new IntVec(256);
  attrFirst: IntVec = new IntVec(256);
  attrLast: IntVec = new IntVec(256);
  valOff: IntVec = new IntVec(256);
  valLen: IntVec = new IntVec(256);
  /** Byte offset of the node in the input, or -1 for nodes the core made. */
  pos: IntVec = new IntVec(256);

  aName: IntVec = new IntVec(256);
  aOff: IntVec = new IntVec(256);
  aLen: IntVec = new IntVec(256);
  aNext: IntVec = new IntVec(256);

  reset(inputLen: i32): void {
    this.inputLen = inputLen;
    this.buf.length = inputLen;
    this.root = NONE;
    this.kind.clear();
    this.name.clear();
    this.parent.clear();
    this.first.clear();
    this.last.clear();
    this.next.clear();
    this.prev.clear();
    this.attrFirst.clear();
    this.attrLast.clear();
    this.valOff.clear();
    this.valLen.clear();
    this.pos.clear();
    this.aName.clear();
    this.aOff.clear();
    this.aLen.clear();
    this.aNext.clear();
  }

  // ---- nodes -------------------------------------------------------------------------------

  newNode(kind: i32, name: i32, pos: i32): i32 {
    const n = this.kind.push(kind);
    this.name.push(name);
    this.parent.push(NONE);
    this.first.push(NONE);
    this.last.push(NONE);
    this.next.push(NONE);
    this.prev.push(NONE);
    this.attrFirst.push(NONE);
    this.attrLast.push(NONE);
    this.valOff.push(0);
    this.valLen.push(0);
    this.pos.push(pos);
    return n;
  }

  @inline isElement(n: i32): bool {
    return this.kind.get(n) == Kind.Element;
  }

  appendChild(parent: i32, child: i32): void {
    const last = this.last.get(parent);
    this.parent.set(child, parent);
    this.prev.set(child, last);
    this.next.set(child, NONE);
    if (last == NONE) this.first.set(parent, child);
    else this.next.set(last, child);
    this.last.set(parent, child);
  }

  /** Inserts child before ref (ref NONE appends). */
  insertBefore(parent: i32, child: i32, ref: i32): void {
    if (ref == NONE) {
      this.appendChild(parent, child);
      return;
    }
    const before = this.prev.get(ref);
    this.parent.set(child, parent);
    this.prev.set(child, before);
    this.next.set(child, ref);
    this.prev.set(ref, child);
    if (before == NONE) this.first.set(parent, child);
    else this.next.set(before, child);
  }

  insertAfter(parent: i32, child: i32, ref: i32): void {
    const after = ref == NONE ? this.first.get(parent) : this.next.get(ref);
    this.insertBefore(parent, child, after);
  }

  remove(child: i32): void {
    const parent = this.parent.get(child);
    if (parent == NONE) return;
    const p = this.prev.get(child);
    const nx = this.next.get(child);
    if (p == NONE) this.first.set(parent, nx);
    else this.next.set(p, nx);
    if (nx == NONE) this.last.set(parent, p);
    else this.prev.set(nx, p);
    this.parent.set(child, NONE);
    this.prev.set(child, NONE);
    this.next.set(child, NONE);
  }

  /** First element child with the given name, or NONE. */
  child(n: i32, name: i32): i32 {
    for (let c = this.first.get(n); c != NONE; c = this.next.get(c)) {
      if (this.kind.get(c) == Kind.Element && this.name.get(c) == name) return c;
    }
    return NONE;
  }

  /** Next element sibling with the same name as c, or NONE. */
  nextNamed(c: i32): i32 {
    const name = this.name.get(c);
    for (let s = this.next.get(c); s != NONE; s = this.next.get(s)) {
      if (this.kind.get(s) == Kind.Element && this.name.get(s) == name) return s;
    }
    return NONE;
  }

  firstElement(n: i32): i32 {
    let c = this.first.get(n);
    while (c != NONE && this.kind.get(c) != Kind.Element) c = this.next.get(c);
    return c;
  }

  nextElement(c: i32): i32 {
    let s = this.next.get(c);
    while (s != NONE && this.kind.get(s) != Kind.Element) s = this.next.get(s);
    return s;
  }

  countNamed(n: i32, name: i32): i32 {
    let k = 0;
    for (let c = this.first.get(n); c != NONE; c = this.next.get(c)) {
      if (this.kind.get(c) == Kind.Element && this.name.get(c) == name) k++;
    }
    return k;
  }

  newElement(name: i32): i32 {
    return this.newNode(Kind.Element, name, -1);
  }

  /** Creates <name> and appends it to parent. */
  addElement(parent: i32, name: i32): i32 {
    const e = this.newElement(name);
    this.appendChild(parent, e);
    return e;
  }

  /** The single text value of an element (its first text child), as a slice; hasText says if any. */
  textNode(n: i32): i32 {
    for (let c = this.first.get(n); c != NONE; c = this.next.get(c)) {
      if (this.kind.get(c) == Kind.Text) return c;
    }
    return NONE;
  }

  /** Replaces the element's content by a text node holding the bytes at [off, off+len) of buf. */
  setTextSlice(n: i32, off: i32, len: i32): void {
    let t = this.textNode(n);
    if (t == NONE) {
      t = this.newNode(Kind.Text, 0, -1);
      this.appendChild(n, t);
    }
    this.valOff.set(t, off);
    this.valLen.set(t, len);
  }

  setText(n: i32, s: string): void {
    const off = this.buf.length;
    this.buf.str(s);
    this.setTextSlice(n, off, this.buf.length - off);
  }

  setTextU64(n: i32, v: u64): void {
    const off = this.buf.length;
    this.buf.u64(v);
    this.setTextSlice(n, off, this.buf.length - off);
  }

  /** True when the element's text equals s. */
  textIs(n: i32, s: string): bool {
    const t = this.textNode(n);
    if (t == NONE) return s.length == 0;
    return this.buf.equals(this.valOff.get(t), this.valLen.get(t), s);
  }

  nameIs(n: i32, s: string): bool {
    return symbolEquals(this.name.get(n), s);
  }

  // ---- attributes --------------------------------------------------------------------------

  /** Appends an attribute whose value is the slice [off, off+len) of buf. */
  addAttrSlice(n: i32, name: i32, off: i32, len: i32): i32 {
    const a = this.aName.push(name);
    this.aOff.push(off);
    this.aLen.push(len);
    this.aNext.push(NONE);
    const last = this.attrLast.get(n);
    if (last == NONE) this.attrFirst.set(n, a);
    else this.aNext.set(last, a);
    this.attrLast.set(n, a);
    return a;
  }

  attr(n: i32, name: i32): i32 {
    for (let a = this.attrFirst.get(n); a != NONE; a = this.aNext.get(a)) {
      if (this.aName.get(a) == name) return a;
    }
    return NONE;
  }

  hasAttr(n: i32, name: i32): bool {
    return this.attr(n, name) != NONE;
  }

  attrIs(n: i32, name: i32, s: string): bool {
    const a = this.attr(n, name);
    return a != NONE && this.buf.equals(this.aOff.get(a), this.aLen.get(a), s);
  }

  /** Sets (or adds, at the end) an attribute to the slice [off, off+len). */
  setAttrSlice(n: i32, name: i32, off: i32, len: i32): i32 {
    const a = this.attr(n, name);
    if (a == NONE) return this.addAttrSlice(n, name, off, len);
    this.aOff.set(a, off);
    this.aLen.set(a, len);
    return a;
  }

  setAttr(n: i32, name: i32, s: string): i32 {
    const off = this.buf.length;
    this.buf.str(s);
    return this.setAttrSlice(n, name, off, this.buf.length - off);
  }

  setAttrU64(n: i32, name: i32, v: u64): i32 {
    const off = this.buf.length;
    this.buf.u64(v);
    return this.setAttrSlice(n, name, off, this.buf.length - off);
  }

  removeAttr(n: i32, name: i32): void {
    let prev = NONE;
    for (let a = this.attrFirst.get(n); a != NONE; a = this.aNext.get(a)) {
      if (this.aName.get(a) == name) {
        const nx = this.aNext.get(a);
        if (prev == NONE) this.attrFirst.set(n, nx);
        else this.aNext.set(prev, nx);
        if (this.attrLast.get(n) == a) this.attrLast.set(n, prev);
        return;
      }
      prev = a;
    }
  }

  /** Deep copy of node n (attributes and descendants), detached. Values are shared slices. */
  cloneTree(n: i32): i32 {
    const c = this.newNode(this.kind.get(n), this.name.get(n), this.pos.get(n));
    this.valOff.set(c, this.valOff.get(n));
    this.valLen.set(c, this.valLen.get(n));
    for (let a = this.attrFirst.get(n); a != NONE; a = this.aNext.get(a)) {
      this.addAttrSlice(c, this.aName.get(a), this.aOff.get(a), this.aLen.get(a));
    }
    for (let k = this.first.get(n); k != NONE; k = this.next.get(k)) this.appendChild(c, this.cloneTree(k));
    return c;
  }

  /** Copies a slice of buf into a fresh slice (so it survives later edits of the source). */
  copySlice(off: i32, len: i32): i32 {
    const at = this.buf.length;
    this.buf.slice(this.buf, off, len);
    return at;
  }
}
