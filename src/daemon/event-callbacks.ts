// One client's event callbacks: what it registered (event kind, optional domain or network), and
// the listeners on its Connection that turn virtkit's events into libvirt's MESSAGE packets. A
// connection listens only while some callback wants its events.
import type { Connection, LifecycleListener, NetworkLifecycleListener } from "../connection.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import type { Codec } from "../rpc/codec.js";
import { wireDomain, wireNetwork } from "../rpc/objects.js";
import { RemoteProc, remote_domain_event_callback_lifecycle_msg, remote_network_event_lifecycle_msg, type remote_domain, type remote_network } from "../rpc/remote-protocol.gen.js";

/** VIR_DOMAIN_EVENT_ID_LIFECYCLE and VIR_NETWORK_EVENT_ID_LIFECYCLE */
const LIFECYCLE = 0;

interface Callback {
  eventID: number;
  /** The object's UUID (hex) the callback is limited to, if any. */
  only: string | null;
}

export type SendEvent = <T>(proc: number, codec: Codec<T>, msg: T) => void;

export class EventCallbacks {
  private next = 1;
  private readonly domains = new Map<number, Callback>();
  private readonly networks = new Map<number, Callback>();
  /** The listeners, with the connection each was added to (the client may have closed it since). */
  private domainListener: { conn: Connection; listener: LifecycleListener } | undefined;
  private networkListener: { conn: Connection; listener: NetworkLifecycleListener } | undefined;

  constructor(
    private readonly connection: () => Connection,
    private readonly send: SendEvent,
    private readonly registered: () => void = () => {},
  ) {}

  addDomainCallback(eventID: number, dom: remote_domain): number {
    const id = this.next++;
    this.domains.set(id, { eventID, only: dom ? dom.uuid.toString("hex") : null });
    if (eventID === LIFECYCLE && !this.domainListener) {
      const listener: LifecycleListener = (d, event, detail) => {
        const wire = wireDomain(d.reference());
        const uuid = wire.uuid.toString("hex");
        for (const [callbackID, cb] of this.domains) {
          if (cb.eventID !== LIFECYCLE || (cb.only !== null && cb.only !== uuid)) continue;
          this.send(RemoteProc.DOMAIN_EVENT_CALLBACK_LIFECYCLE, remote_domain_event_callback_lifecycle_msg, { callbackID, msg: { dom: wire, event, detail } });
        }
      };
      this.domainListener = { conn: this.connection(), listener };
      this.domainListener.conn.on("lifecycle", listener);
    }
    this.registered();
    return id;
  }

  addNetworkCallback(eventID: number, net: remote_network): number {
    const id = this.next++;
    this.networks.set(id, { eventID, only: net ? net.uuid.toString("hex") : null });
    if (eventID === LIFECYCLE && !this.networkListener) {
      const listener: NetworkLifecycleListener = (n, event, detail) => {
        const wire = wireNetwork(n.reference());
        const uuid = wire.uuid.toString("hex");
        for (const [callbackID, cb] of this.networks) {
          if (cb.eventID !== LIFECYCLE || (cb.only !== null && cb.only !== uuid)) continue;
          this.send(RemoteProc.NETWORK_EVENT_LIFECYCLE, remote_network_event_lifecycle_msg, { callbackID, net: wire, event, detail });
        }
      };
      this.networkListener = { conn: this.connection(), listener };
      this.networkListener.conn.on("networkLifecycle", listener);
    }
    this.registered();
    return id;
  }

  remove(kind: "domain" | "network", callbackID: number): void {
    const table = kind === "domain" ? this.domains : this.networks;
    if (!table.delete(callbackID)) {
      throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, ErrorDomain.VIR_FROM_RPC, `invalid argument: no ${kind} event callback with ID ${callbackID}`);
    }
    if (kind === "domain" && ![...this.domains.values()].some((cb) => cb.eventID === LIFECYCLE)) this.stopDomains();
    if (kind === "network" && ![...this.networks.values()].some((cb) => cb.eventID === LIFECYCLE)) this.stopNetworks();
  }

  /** Drops every callback (the connection closes). */
  clear(): void {
    this.domains.clear();
    this.networks.clear();
    this.stopDomains();
    this.stopNetworks();
  }

  private stopDomains(): void {
    this.domainListener?.conn.off("lifecycle", this.domainListener.listener);
    this.domainListener = undefined;
  }

  private stopNetworks(): void {
    this.networkListener?.conn.off("networkLifecycle", this.networkListener.listener);
    this.networkListener = undefined;
  }
}
