// Event callbacks (virConnectDomainEventRegisterAny, virConnectNetworkEventRegisterAny): the client
// registers one per event kind and optional object; the daemon sends each event as a MESSAGE
// carrying the callback's number. virtkit raises lifecycle events; the other kinds libvirt 9.0
// knows can be registered and stay quiet.
import type { Handlers } from "./types.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";

/** VIR_DOMAIN_EVENT_ID_LAST and VIR_NETWORK_EVENT_ID_LAST of libvirt 9.0. */
const DOMAIN_EVENT_IDS = 27;
const NETWORK_EVENT_IDS = 1;

function checkEventID(eventID: number, last: number): void {
  if (eventID < 0 || eventID >= last) throw new VirtError(ErrorNumber.VIR_ERR_INTERNAL_ERROR, ErrorDomain.VIR_FROM_RPC, `internal error: unsupported event ID ${eventID}`);
}

export const eventHandlers: Handlers = {
  CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY: (client, { eventID, dom }) => {
    checkEventID(eventID, DOMAIN_EVENT_IDS);
    return { callbackID: client.events.addDomainCallback(eventID, dom) };
  },
  CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY: (client, { callbackID }) => client.events.remove("domain", callbackID),
  CONNECT_NETWORK_EVENT_REGISTER_ANY: (client, { eventID, net }) => {
    checkEventID(eventID, NETWORK_EVENT_IDS);
    return { callbackID: client.events.addNetworkCallback(eventID, net) };
  },
  CONNECT_NETWORK_EVENT_DEREGISTER_ANY: (client, { callbackID }) => client.events.remove("network", callbackID),
};
