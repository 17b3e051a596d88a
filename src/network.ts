// A virtual network on a connection (libvirt's virNetworkPtr): it names the network by UUID; every
// call asks the driver through the connection's checks.
import type { Connection } from "./connection.js";
import { uuidString, type NetworkDHCPLease, type NetworkRef, type NetworkStatus, type NetworkStatusQuestion } from "./drivers/driver.js";
import type { NetworkUpdateCommand, NetworkUpdateSection } from "./constants.js";

export class Network {
  private uuidText: string | undefined;

  /** @internal connections create networks */
  constructor(
    private readonly conn: Connection,
    private readonly ref: NetworkRef,
  ) {}

  /** @internal the name and UUID the network was known by (the wire form of a network) */
  reference(): NetworkRef {
    return this.ref;
  }

  /** The network's name (known locally, as virNetworkGetName). */
  get name(): string {
    return this.ref.name;
  }

  /** The network's UUID in canonical form (known locally). */
  get uuid(): string {
    this.uuidText ??= uuidString(this.ref.uuid);
    return this.uuidText;
  }

  async getName(): Promise<string> {
    return this.name;
  }

  async getUUIDString(): Promise<string> {
    return this.uuid;
  }

  private status(api: NetworkStatusQuestion): Promise<NetworkStatus> {
    return this.conn.call(api, false, undefined, "networkGetStatus", (fn) => fn(this.ref, api));
  }

  /** virNetworkCreate: starts the defined network. */
  async create(): Promise<void> {
    await this.conn.call("virNetworkCreate", true, undefined, "networkCreate", (fn) => fn(this.ref));
  }

  /** virNetworkDestroy: stops it (a transient network goes). */
  async destroy(): Promise<void> {
    await this.conn.call("virNetworkDestroy", true, undefined, "networkDestroy", (fn) => fn(this.ref));
  }

  /** virNetworkUndefine: forgets its configuration (a running one goes on, transient). */
  async undefine(): Promise<void> {
    await this.conn.call("virNetworkUndefine", true, undefined, "networkUndefine", (fn) => fn(this.ref));
  }

  async setAutostart(autostart: boolean): Promise<void> {
    await this.conn.call("virNetworkSetAutostart", true, undefined, "networkSetAutostart", (fn) => fn(this.ref, autostart));
  }

  async getAutostart(): Promise<boolean> {
    return (await this.status("virNetworkGetAutostart")).autostart;
  }

  async isActive(): Promise<boolean> {
    return (await this.status("virNetworkIsActive")).active;
  }

  async isPersistent(): Promise<boolean> {
    return (await this.status("virNetworkIsPersistent")).persistent;
  }

  /** virNetworkGetBridgeName. */
  getBridgeName(): Promise<string> {
    return this.conn.call("virNetworkGetBridgeName", false, undefined, "networkGetBridgeName", (fn) => fn(this.ref));
  }

  /** virNetworkGetDHCPLeases: the leases the network's DHCP server gave (those of `mac` only when given). */
  getDHCPLeases(mac: string | null = null, flags = 0): Promise<NetworkDHCPLease[]> {
    return this.conn.call("virNetworkGetDHCPLeases", false, undefined, "networkGetDHCPLeases", (fn) => fn(this.ref, mac, flags));
  }

  /**
   * virNetworkUpdate: adds, changes or deletes one part (`section`) of the network's live state
   * or persistent configuration (NetworkUpdateFlags); `parentIndex` picks the <ip> for DHCP
   * sections (-1: the first IPv4 one with DHCP). virtkit changes IP_DHCP_HOST so far.
   */
  async update(command: NetworkUpdateCommand, section: NetworkUpdateSection, parentIndex: number, xml: string, flags = 0): Promise<void> {
    await this.conn.call("virNetworkUpdate", true, undefined, "networkUpdate", (fn) => fn(this.ref, command, section, parentIndex, xml, flags));
  }

  /** virNetworkGetXMLDesc (NetworkXMLFlags: INACTIVE gives the persistent configuration). */
  getXMLDesc(flags = 0): Promise<string> {
    return this.conn.call("virNetworkGetXMLDesc", false, undefined, "networkGetXMLDesc", (fn) => fn(this.ref, flags));
  }
}
