// The virtual networks of one node (libvirt's virNetworkObjList): each by name and UUID, persistent
// or transient, active or not, with its definition as canonical XML and, while it runs with a
// changed persistent configuration, that configuration too (virNetworkObj's def and newDef).

export class NetworkObj {
  /** The current definition (canonical XML): the live one while the network runs. */
  def: string;
  /** The persistent configuration for the next start, while a persistent network runs with another. */
  newDef: string | null = null;
  /** Its <bridge name> ("" when it has none). */
  bridge: string;
  active: bool = false;
  persistent: bool = false;
  autostart: bool = false;

  constructor(
    readonly name: string,
    readonly uuidHi: u64,
    readonly uuidLo: u64,
    def: string,
    bridge: string,
  ) {
    this.def = def;
    this.bridge = bridge;
  }

  /** The persistent configuration: newDef while running with one, else def. */
  get config(): string {
    return this.newDef !== null ? this.newDef! : this.def;
  }

  /** The name's UTF-8 bytes (records carry names so). */
  get nameUtf8(): ArrayBuffer {
    return String.UTF8.encode(this.name);
  }
}

export class NetworkList {
  /** In definition order (libvirt lists them in its hash order; virsh sorts by name anyway). */
  readonly objects: NetworkObj[] = [];
  /** The host's network interfaces, which a new bridge's name must not take (hosted nodes). */
  hostDevices: string[] = [];

  clear(): void {
    this.objects.length = 0;
  }

  /** Whether a network other than `except` has the bridge. */
  bridgeInUse(bridge: string, except: NetworkObj | null): bool {
    for (let i = 0; i < this.objects.length; i++) {
      const o = this.objects[i];
      if (o !== except && o.bridge == bridge) return true;
    }
    return false;
  }

  findByName(name: string): NetworkObj | null {
    for (let i = 0; i < this.objects.length; i++) if (this.objects[i].name == name) return this.objects[i];
    return null;
  }

  findByUuid(hi: u64, lo: u64): NetworkObj | null {
    for (let i = 0; i < this.objects.length; i++) {
      const o = this.objects[i];
      if (o.uuidHi == hi && o.uuidLo == lo) return o;
    }
    return null;
  }

  add(obj: NetworkObj): void {
    this.objects.push(obj);
  }

  remove(obj: NetworkObj): void {
    const i = this.objects.indexOf(obj);
    if (i >= 0) this.objects.splice(i, 1);
  }
}
