// The domain registry of one node (libvirt's virDomainObjList): domains by UUID, name and id,
// with libvirt's uniqueness rules and wording, and the live/persistent definition pair of each
// domain (virDomainObj's def and newDef).
import { Code } from "../errors";
import { err } from "../domain/context";
import { Definition, formatUuidHalves } from "./definition";
import { State, ShutoffReason } from "./states";
import { UuidMap } from "./uuid-map";

export class DomainObj {
  /** The current definition: the live one while the domain runs. */
  def: Definition;
  /** The persistent configuration applied at next boot, while a persistent domain runs. */
  newDef: Definition | null = null;
  id: i32 = -1;
  state: i32 = State.SHUTOFF;
  reason: i32 = ShutoffReason.UNKNOWN;
  persistent: bool = false;
  autostart: bool = false;
  hasManagedSave: bool = false;
  /** Position in the list (stable while the domain exists). */
  slot: i32 = -1;

  constructor(def: Definition) {
    this.def = def;
  }

  @inline get active(): bool {
    return this.id != -1;
  }

  /** The persistent definition: newDef while running, else def. */
  get config(): Definition {
    return this.newDef !== null ? this.newDef! : this.def;
  }
}

export class DomainList {
  objects: Array<DomainObj | null> = new Array<DomainObj | null>();
  private byUuid: UuidMap = new UuidMap();
  private byName: Map<string, i32> = new Map<string, i32>();
  private byId: Map<i32, i32> = new Map<i32, i32>();
  private holes: i32 = 0;
  count: i32 = 0;

  findByUuid(hi: u64, lo: u64): DomainObj | null {
    const slot = this.byUuid.get(hi, lo);
    return slot < 0 ? null : this.objects[slot];
  }

  findByName(name: string): DomainObj | null {
    return this.byName.has(name) ? this.objects[this.byName.get(name)] : null;
  }

  findById(id: i32): DomainObj | null {
    return this.byId.has(id) ? this.objects[this.byId.get(id)] : null;
  }

  /**
   * Where def may go, following virDomainObjListAdd: an existing domain with its UUID (which
   * must then have the same name), or a new one (whose name must be free). live: the caller
   * starts it (createXML), so an existing domain must not be running. Returns the existing
   * domain, or null when def is new; false in `ok` with the error set when def is refused.
   */
  ok: bool = true;
  placeFor(def: Definition, live: bool): DomainObj | null {
    this.ok = true;
    const existing = this.findByUuid(def.uuidHi, def.uuidLo);
    if (existing !== null) {
      if (existing.def.name != def.name) {
        const b = err(Code.OPERATION_FAILED);
        b.str("domain '");
        b.str(existing.def.name);
        b.str("' is already defined with uuid ");
        formatUuidHalves(b, def.uuidHi, def.uuidLo);
        this.ok = false;
        return null;
      }
      if (live && existing.active) {
        const b = err(Code.OPERATION_INVALID);
        b.str("domain '");
        b.str(existing.def.name);
        b.str("' is already active");
        this.ok = false;
        return null;
      }
      return existing;
    }
    const sameName = this.findByName(def.name);
    if (sameName !== null) {
      const b = err(Code.OPERATION_FAILED);
      b.str("domain '");
      b.str(def.name);
      b.str("' already exists with uuid ");
      formatUuidHalves(b, sameName.def.uuidHi, sameName.def.uuidLo);
      this.ok = false;
      return null;
    }
    return null;
  }

  add(def: Definition): DomainObj {
    const obj = new DomainObj(def);
    obj.slot = this.objects.length;
    this.objects.push(obj);
    this.byUuid.set(def.uuidHi, def.uuidLo, obj.slot);
    this.byName.set(def.name, obj.slot);
    this.count++;
    return obj;
  }

  remove(obj: DomainObj): void {
    this.byUuid.delete(obj.def.uuidHi, obj.def.uuidLo);
    this.byName.delete(obj.def.name);
    if (obj.active) this.byId.delete(obj.id);
    this.objects[obj.slot] = null;
    obj.slot = -1;
    this.count--;
    this.holes++;
    if (this.holes > 64 && this.holes * 2 > this.objects.length) this.compact();
  }

  /** Records that obj now runs with id (or stopped: id -1). */
  setId(obj: DomainObj, id: i32): void {
    if (obj.active) this.byId.delete(obj.id);
    obj.id = id;
    if (id != -1) this.byId.set(id, obj.slot);
  }

  /** Drops the holes removals left, keeping the order in which domains were added. */
  private compact(): void {
    const live = new Array<DomainObj | null>();
    for (let i = 0; i < this.objects.length; i++) {
      const o = this.objects[i];
      if (o === null) continue;
      o.slot = live.length;
      live.push(o);
      this.byUuid.set(o.def.uuidHi, o.def.uuidLo, o.slot);
      this.byName.set(o.def.name, o.slot);
      if (o.active) this.byId.set(o.id, o.slot);
    }
    this.objects = live;
    this.holes = 0;
  }
}
