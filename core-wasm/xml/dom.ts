// A parsed XML document as flat tables: nodes and attributes are integer handles into parallel
// arrays, and every string is an (offset, length) slice of one byte buffer that starts with the
// input document itself. Reusing one Doc per call keeps parsing free of per-node allocation.
import { ByteBuf } from "../util/bytes";
import { Table } from "../util/table";

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

  /** Node records: 12 i32 fields each (kind, name, links, attribute list, value slice, position). */
  nodes: Table = new Table(12, 256);
  /** Attribute records: name, value slice, next attribute. */
  attrs: Table = new Table(4, 256);

  @inline kindOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 0);
  }

  @inline setKind(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 0);
  }

  @inline nameOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 4);
  }

  @inline setName(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 4);
  }

  @inline parentOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 8);
  }

  @inline setParent(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 8);
  }

  @inline firstOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 12);
  }

  @inline setFirst(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 12);
  }

  @inline lastOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 16);
  }

  @inline setLast(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 16);
  }

  @inline nextOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 20);
  }

  @inline setNext(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 20);
  }

  @inline prevOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 24);
  }

  @inline setPrev(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 24);
  }

  @inline attrFirstOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 28);
  }

  @inline setAttrFirst(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 28);
  }

  @inline attrLastOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 32);
  }

  @inline setAttrLast(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 32);
  }

  @inline valOffOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 36);
  }

  @inline setValOff(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 36);
  }

  @inline valLenOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 40);
  }

  @inline setValLen(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 40);
  }

  @inline posOf(n: i32): i32 {
    return load<i32>(this.nodes.ptr + (<usize>n * 48), 44);
  }

  @inline setPos(n: i32, v: i32): void {
    store<i32>(this.nodes.ptr + (<usize>n * 48), v, 44);
  }

  @inline aNameOf(a: i32): i32 {
    return load<i32>(this.attrs.ptr + (<usize>a * 16), 0);
  }

  @inline setAName(a: i32, v: i32): void {
    store<i32>(this.attrs.ptr + (<usize>a * 16), v, 0);
  }

  @inline aOffOf(a: i32): i32 {
    return load<i32>(this.attrs.ptr + (<usize>a * 16), 4);
  }

  @inline setAOff(a: i32, v: i32): void {
    store<i32>(this.attrs.ptr + (<usize>a * 16), v, 4);
  }

  @inline aLenOf(a: i32): i32 {
    return load<i32>(this.attrs.ptr + (<usize>a * 16), 8);
  }

  @inline setALen(a: i32, v: i32): void {
    store<i32>(this.attrs.ptr + (<usize>a * 16), v, 8);
  }

  @inline aNextOf(a: i32): i32 {
    return load<i32>(this.attrs.ptr + (<usize>a * 16), 12);
  }

  @inline setANext(a: i32, v: i32): void {
    store<i32>(this.attrs.ptr + (<usize>a * 16), v, 12);
  }

  reset(inputLen: i32): void {
    this.inputLen = inputLen;
    this.buf.length = inputLen;
    this.root = NONE;
    this.nodes.clear();
    this.attrs.clear();
  }

  // ---- nodes -------------------------------------------------------------------------------

  newNode(kind: i32, name: i32, pos: i32): i32 {
    const n = this.nodes.add();
    const p = this.nodes.ptr + (<usize>(n * 12) << 2);
    store<i32>(p, kind);
    store<i32>(p, name, 4);
    store<i32>(p, NONE, 8);
    store<i32>(p, NONE, 12);
    store<i32>(p, NONE, 16);
    store<i32>(p, NONE, 20);
    store<i32>(p, NONE, 24);
    store<i32>(p, NONE, 28);
    store<i32>(p, NONE, 32);
    store<i32>(p, 0, 36);
    store<i32>(p, 0, 40);
    store<i32>(p, pos, 44);
    return n;
  }


  appendChild(parent: i32, child: i32): void {
    const last = this.lastOf(parent);
    this.setParent(child, parent);
    this.setPrev(child, last);
    this.setNext(child, NONE);
    if (last == NONE) this.setFirst(parent, child);
    else this.setNext(last, child);
    this.setLast(parent, child);
  }

  /** Inserts child before ref (ref NONE appends). */
  insertBefore(parent: i32, child: i32, ref: i32): void {
    if (ref == NONE) {
      this.appendChild(parent, child);
      return;
    }
    const before = this.prevOf(ref);
    this.setParent(child, parent);
    this.setPrev(child, before);
    this.setNext(child, ref);
    this.setPrev(ref, child);
    if (before == NONE) this.setFirst(parent, child);
    else this.setNext(before, child);
  }

  insertAfter(parent: i32, child: i32, ref: i32): void {
    const after = ref == NONE ? this.firstOf(parent) : this.nextOf(ref);
    this.insertBefore(parent, child, after);
  }

  remove(child: i32): void {
    const parent = this.parentOf(child);
    if (parent == NONE) return;
    const p = this.prevOf(child);
    const nx = this.nextOf(child);
    if (p == NONE) this.setFirst(parent, nx);
    else this.setNext(p, nx);
    if (nx == NONE) this.setLast(parent, p);
    else this.setPrev(nx, p);
    this.setParent(child, NONE);
    this.setPrev(child, NONE);
    this.setNext(child, NONE);
  }

  /** First element child with the given name, or NONE. */
  child(n: i32, name: i32): i32 {
    for (let c = this.firstOf(n); c != NONE; c = this.nextOf(c)) {
      if (this.kindOf(c) == Kind.Element && this.nameOf(c) == name) return c;
    }
    return NONE;
  }

  /** Next element sibling with the same name as c, or NONE. */
  nextNamed(c: i32): i32 {
    const name = this.nameOf(c);
    for (let s = this.nextOf(c); s != NONE; s = this.nextOf(s)) {
      if (this.kindOf(s) == Kind.Element && this.nameOf(s) == name) return s;
    }
    return NONE;
  }

  firstElement(n: i32): i32 {
    let c = this.firstOf(n);
    while (c != NONE && this.kindOf(c) != Kind.Element) c = this.nextOf(c);
    return c;
  }

  nextElement(c: i32): i32 {
    let s = this.nextOf(c);
    while (s != NONE && this.kindOf(s) != Kind.Element) s = this.nextOf(s);
    return s;
  }

  countNamed(n: i32, name: i32): i32 {
    let k = 0;
    for (let c = this.firstOf(n); c != NONE; c = this.nextOf(c)) {
      if (this.kindOf(c) == Kind.Element && this.nameOf(c) == name) k++;
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
    for (let c = this.firstOf(n); c != NONE; c = this.nextOf(c)) {
      if (this.kindOf(c) == Kind.Text) return c;
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
    this.setValOff(t, off);
    this.setValLen(t, len);
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
    return this.buf.equals(this.valOffOf(t), this.valLenOf(t), s);
  }


  // ---- attributes --------------------------------------------------------------------------

  /** Appends an attribute whose value is the slice [off, off+len) of buf. */
  addAttrSlice(n: i32, name: i32, off: i32, len: i32): i32 {
    const a = this.attrs.add();
    const p = this.attrs.ptr + (<usize>(a * 4) << 2);
    store<i32>(p, name);
    store<i32>(p, off, 4);
    store<i32>(p, len, 8);
    store<i32>(p, NONE, 12);
    const last = this.attrLastOf(n);
    if (last == NONE) this.setAttrFirst(n, a);
    else this.setANext(last, a);
    this.setAttrLast(n, a);
    return a;
  }

  attr(n: i32, name: i32): i32 {
    for (let a = this.attrFirstOf(n); a != NONE; a = this.aNextOf(a)) {
      if (this.aNameOf(a) == name) return a;
    }
    return NONE;
  }

  hasAttr(n: i32, name: i32): bool {
    return this.attr(n, name) != NONE;
  }

  attrIs(n: i32, name: i32, s: string): bool {
    const a = this.attr(n, name);
    return a != NONE && this.buf.equals(this.aOffOf(a), this.aLenOf(a), s);
  }

  /** Sets (or adds, at the end) an attribute to the slice [off, off+len). */
  setAttrSlice(n: i32, name: i32, off: i32, len: i32): i32 {
    const a = this.attr(n, name);
    if (a == NONE) return this.addAttrSlice(n, name, off, len);
    this.setAOff(a, off);
    this.setALen(a, len);
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
    for (let a = this.attrFirstOf(n); a != NONE; a = this.aNextOf(a)) {
      if (this.aNameOf(a) == name) {
        const nx = this.aNextOf(a);
        if (prev == NONE) this.setAttrFirst(n, nx);
        else this.setANext(prev, nx);
        if (this.attrLastOf(n) == a) this.setAttrLast(n, prev);
        return;
      }
      prev = a;
    }
  }

  /** Deep copy of node n (attributes and descendants), detached. Values are shared slices. */
  cloneTree(n: i32): i32 {
    const c = this.newNode(this.kindOf(n), this.nameOf(n), this.posOf(n));
    this.setValOff(c, this.valOffOf(n));
    this.setValLen(c, this.valLenOf(n));
    for (let a = this.attrFirstOf(n); a != NONE; a = this.aNextOf(a)) {
      this.addAttrSlice(c, this.aNameOf(a), this.aOffOf(a), this.aLenOf(a));
    }
    for (let k = this.firstOf(n); k != NONE; k = this.nextOf(k)) this.appendChild(c, this.cloneTree(k));
    return c;
  }

}
