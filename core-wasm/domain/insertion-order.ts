// The order libvirt keeps devices of one kind in (virDomainControllerInsert, virDomainDiskInsert):
// each new device goes after the last one of its group (controller type, disk bus) whose index
// is not greater, before the first one whose index is; a controller without an index yet goes
// after the last of its type, and a master (an EHCI) goes before the companions (UHCIs, with a
// <master> element) of its index that came before it.
import { IntVec } from "../util/intvec";
import { Doc } from "../xml/dom";

export class InsertionOrder {
  items: IntVec = new IntVec(16);
  groups: IntVec = new IntVec(16);
  indexes: IntVec = new IntVec(16);
  /** 1 for a companion controller, else 0. */
  companions: IntVec = new IntVec(16);

  clear(): void {
    this.items.clear();
    this.groups.clear();
    this.indexes.clear();
    this.companions.clear();
  }

  get length(): i32 {
    return this.items.length;
  }

  /** Inserts item; index -1 with `unindexedLast` means "after the last of its group". */
  insert(item: i32, group: i32, index: i32, unindexedLast: bool, companion: bool = false): void {
    let at = -1;
    for (let k = this.items.length - 1; k >= 0; k--) {
      if (this.groups.get(k) != group) continue;
      if (unindexedLast && index == -1) {
        at = k + 1;
        break;
      }
      if (this.indexes.get(k) > index) at = k;
      else if (!companion && this.companions.get(k) != 0 && this.indexes.get(k) == index) at = k;
      else if (at == -1) at = k + 1;
    }
    if (at < 0) at = this.items.length;
    insertAt(this.items, at, item);
    insertAt(this.groups, at, group);
    insertAt(this.indexes, at, index);
    insertAt(this.companions, at, companion ? 1 : 0);
  }

  /** Adds item at the end (a device libvirt appends, such as an implicit controller). */
  append(item: i32, group: i32, index: i32): void {
    this.items.push(item);
    this.groups.push(group);
    this.indexes.push(index);
    this.companions.push(0);
  }

  has(group: i32, index: i32): bool {
    for (let i = 0; i < this.items.length; i++) if (this.groups.get(i) == group && this.indexes.get(i) == index) return true;
    return false;
  }

  /** Re-links the items under parent in this order, where the first of them (`first`) was. */
  relink(d: Doc, parent: i32, first: i32): void {
    if (this.items.length < 2) return;
    const anchor = d.newElement(d.nameOf(first));
    d.insertBefore(parent, anchor, first);
    for (let i = 0; i < this.items.length; i++) {
      const item = this.items.get(i);
      d.remove(item);
      d.insertBefore(parent, item, anchor);
    }
    d.remove(anchor);
  }
}

function insertAt(v: IntVec, at: i32, x: i32): void {
  v.push(0);
  for (let k = v.length - 1; k > at; k--) v.set(k, v.get(k - 1));
  v.set(at, x);
}
