// core.wasm's virtual network operations (libvirt's network API on a node's NetworkList): define,
// create, look up, list, start, destroy, undefine, autostart and XML, with libvirt's rules and
// words. The host names a network by a NetworkKey (its UUID, and its name for messages).
import { Code, From, beginError, failBare } from "../errors";
import { ByteBuf } from "../util/bytes";
import { NetworkAffect, NetworkEvent, NetworkOp, NetworkSection } from "../abi/enums.gen";
import { NetworkKey, writeNetworkInfo, writeNetworkRecord } from "../abi/records.gen";
import { io } from "../abi/runtime";
import { formatUuidHalves, uuidHalf } from "../objects/definition";
import { NetworkList, NetworkObj } from "../objects/network-list";
import { assignBridge, assignMac, checkedBridge, checkedMode, checkedName, checkNetwork, NETWORK_XML_INACTIVE, writeNetwork } from "../network/network-xml";
import { makesBridge, overlappingBridge, writeStartPlan, writeStopPlan } from "../network/host-plan";
import { random_fill } from "../host";
import { nodeAt } from "./nodes";
import { HostedNode } from "../drivers/hosted/hosted-node";
import { DomainNode } from "../node/lifecycle";
import { Doc } from "../xml/dom";
import { copyIntoDoc, parseDocument } from "../xml/parser";
import { S } from "../xml/names.gen";
import { symbolText } from "../xml/symbols";
import { updateDhcpHost } from "../network/dhcp-host-update";

const builtIn = new Doc();
const macBytes = new StaticArray<u8>(3);

/** The bridge name (checked against the node's other networks, or the first free virbrN) and MAC of the checked network. */
function assignHostSide(list: NetworkList): bool {
  const same = list.findByUuid(uuidHalf(0), uuidHalf(8));
  const bridge = checkedBridge();
  if (bridge != "") {
    if (list.bridgeInUse(bridge, same)) {
      beginError(Code.INTERNAL_ERROR, From.NETWORK).str("bridge name '" + bridge + "' already in use.");
      return false;
    }
  } else {
    let n = 0;
    while (list.bridgeInUse("virbr" + n.toString(), same) || list.hostDevices.includes("virbr" + n.toString())) n++;
    assignBridge("virbr" + n.toString());
  }
  random_fill(changetype<usize>(macBytes), 3);
  let mac = "52:54:00";
  for (let i = 0; i < 3; i++) mac += ":" + (macBytes[i] < 16 ? "0" : "") + (<u32>macBytes[i]).toString(16);
  assignMac(mac);
  return true;
}

/** A network of a node's own (test:///default's), defined from its XML; false with libvirt's error. */
export function addNodeNetwork(list: NetworkList, xml: string, active: bool): bool {
  const net = parsed(copyIntoDoc(builtIn, String.UTF8.encode(xml)), builtIn);
  if (net === null || assign(list, net, false) === null) return false;
  net.persistent = true;
  net.active = active;
  return true;
}

/** virConnectListAllNetworks' filters. */
const LIST_INACTIVE = 1;
const LIST_ACTIVE = 2;
const LIST_PERSISTENT = 4;
const LIST_TRANSIENT = 8;
const LIST_AUTOSTART = 16;
const LIST_NO_AUTOSTART = 32;

const canonical = new ByteBuf(4096);

function put(obj: NetworkObj): bool {
  writeNetworkRecord(io.output, obj.uuidHi, obj.uuidLo, obj.nameUtf8);
  return true;
}

function uuidText(hi: u64, lo: u64): string {
  const b = new ByteBuf(40);
  formatUuidHalves(b, hi, lo);
  return String.UTF8.decodeUnsafe(b.ptr, <usize>b.length);
}

/**
 * A network from XML in `doc` (checked and canonical), not yet in a list; null with libvirt's
 * error. On a hosted node a network that makes its bridge gets, as libvirt's network driver
 * gives it at define, a bridge name (the first free virbrN) and a MAC when it has none.
 */
function parsed(len: i32, doc: Doc = io.input, node: DomainNode | null = null): NetworkObj | null {
  if (!checkNetwork(doc, len)) return null;
  if (node !== null && !isTestNode(node) && makesBridge(checkedMode()) && !assignHostSide(node.networks)) return null;
  canonical.clear();
  writeNetwork(canonical, NETWORK_XML_INACTIVE);
  const xml = String.UTF8.decodeUnsafe(canonical.ptr, <usize>canonical.length);
  return new NetworkObj(checkedName(), uuidHalf(0), uuidHalf(8), xml, checkedBridge());
}

/**
 * Where a new definition goes (virNetworkObjAssignDef): the network with its UUID (whose name
 * must be the same; with `live`, it must not be running), or a new one (no other may have its name).
 */
function assign(list: NetworkList, net: NetworkObj, live: bool): NetworkObj | null {
  const same = list.findByUuid(net.uuidHi, net.uuidLo);
  if (same !== null) {
    if (same.name != net.name) {
      beginError(Code.OPERATION_FAILED, From.NETWORK).str("network '" + same.name + "' is already defined with uuid " + uuidText(net.uuidHi, net.uuidLo));
      return null;
    }
    if (live && same.active) {
      beginError(Code.OPERATION_INVALID, From.NETWORK).str("network is already active as '" + same.name + "'");
      return null;
    }
    return same;
  }
  const named = list.findByName(net.name);
  if (named !== null) {
    beginError(Code.OPERATION_FAILED, From.NETWORK).str("network '" + net.name + "' already exists with uuid " + uuidText(named.uuidHi, named.uuidLo));
    return null;
  }
  list.add(net);
  return net;
}

export function networkDefine(handle: i32, len: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const net = parsed(len, io.input, node);
  if (net === null) return false;
  const obj = assign(node.networks, net, false);
  if (obj === null) return false;
  if (obj !== net) {
    // a running network keeps its live definition until it stops
    if (obj.active) obj.newDef = net.def;
    else {
      obj.def = net.def;
      obj.bridge = net.bridge;
    }
  }
  obj.persistent = true;
  return put(obj);
}

export function networkCreateXML(handle: i32, len: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const net = parsed(len, io.input, node);
  if (net === null) return false;
  const obj = assign(node.networks, net, true);
  if (obj === null) return false;
  if (obj !== net) {
    // a persistent network started from new XML: that XML is live, the configuration stays
    obj.newDef = obj.def;
    obj.def = net.def;
    obj.bridge = net.bridge;
  }
  obj.active = true;
  return put(obj);
}

/**
 * Whether a node's networks follow libvirt's test driver (test:///), whose rules differ from its
 * network driver's in a few places (starting a running network, destroying a stopped one,
 * undefining a running one, autostart of a transient one, INACTIVE XML) and whose errors carry
 * VIR_FROM_TEST; hosted nodes (lxc:///, kvm:///) follow the network driver.
 */
function isTestNode(node: DomainNode): bool {
  return !(node instanceof HostedNode);
}

/** The error domain of a node's own network errors. */
function fromOf(node: DomainNode): i32 {
  return isTestNode(node) ? From.TEST : From.NETWORK;
}

export function networkLookupByName(handle: i32, name: string): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = node.networks.findByName(name);
  if (obj === null) {
    beginError(Code.NO_NETWORK, fromOf(node)).str("no network with matching name '" + name + "'");
    return false;
  }
  return put(obj);
}

export function networkLookupByUUID(handle: i32, uuidHi: u64, uuidLo: u64): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = node.networks.findByUuid(uuidHi, uuidLo);
  if (obj === null) {
    beginError(Code.NO_NETWORK, fromOf(node)).str("no network with matching uuid '" + uuidText(uuidHi, uuidLo) + "'");
    return false;
  }
  return put(obj);
}

/** The network a key names, or null with libvirt's "no network with matching name/uuid" error. */
function target(node: DomainNode, key: NetworkKey): NetworkObj | null {
  const obj = node.networks.findByUuid(key.uuidHi, key.uuidLo);
  if (obj !== null) return obj;
  const name = String.UTF8.decodeUnsafe(key.namePtr, <usize>key.nameLen);
  // the test driver finds most networks by name, the network driver by UUID (naming both)
  if (isTestNode(node)) beginError(Code.NO_NETWORK, From.TEST).str("no network with matching name '" + name + "'");
  else beginError(Code.NO_NETWORK, From.NETWORK).str("no network with matching uuid '" + uuidText(key.uuidHi, key.uuidLo) + "' (" + name + ")");
  return null;
}

function wanted(o: NetworkObj, flags: i32): bool {
  if ((flags & (LIST_ACTIVE | LIST_INACTIVE)) != 0 && (flags & (o.active ? LIST_ACTIVE : LIST_INACTIVE)) == 0) return false;
  if ((flags & (LIST_PERSISTENT | LIST_TRANSIENT)) != 0 && (flags & (o.persistent ? LIST_PERSISTENT : LIST_TRANSIENT)) == 0) return false;
  if ((flags & (LIST_AUTOSTART | LIST_NO_AUTOSTART)) != 0 && (flags & (o.autostart ? LIST_AUTOSTART : LIST_NO_AUTOSTART)) == 0) return false;
  return true;
}

/** virConnectListAllNetworks: each matching network's record and its info record. */
export function networkList(handle: i32, flags: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const unknown = flags & ~(LIST_INACTIVE | LIST_ACTIVE | LIST_PERSISTENT | LIST_TRANSIENT | LIST_AUTOSTART | LIST_NO_AUTOSTART);
  if (unknown != 0) return failBare(Code.INVALID_ARG, fromOf(node), "unsupported flags (0x" + unknown.toString(16) + ") in function " + (isTestNode(node) ? "testConnectListAllNetworks" : "networkConnectListAllNetworks"));
  const objects = node.networks.objects;
  let count = 0;
  for (let i = 0; i < objects.length; i++) if (wanted(objects[i], flags)) count++;
  io.output.putI32(count);
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i];
    if (!wanted(o, flags)) continue;
    put(o);
    writeNetworkInfo(io.output, o.active, o.persistent, o.autostart, String.UTF8.encode(o.bridge));
  }
  return true;
}

export function networkInfo(handle: i32, key: NetworkKey): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = target(node, key);
  if (obj === null) return false;
  writeNetworkInfo(io.output, obj.active, obj.persistent, obj.autostart, String.UTF8.encode(obj.bridge));
  return true;
}

/** virNetworkGetXMLDesc: the live definition, or (INACTIVE, not on test:///) the persistent configuration. */
export function networkXML(handle: i32, key: NetworkKey, flags: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = target(node, key);
  if (obj === null) return false;
  const allowed = isTestNode(node) ? 0 : NETWORK_XML_INACTIVE;
  if ((flags & ~allowed) != 0) {
    // virCheckFlags' message has no "invalid argument: " before it
    return failBare(Code.INVALID_ARG, fromOf(node), "unsupported flags (0x" + (flags & ~allowed).toString(16) + ") in function " + (isTestNode(node) ? "testNetworkGetXMLDesc" : "networkGetXMLDesc"));
  }
  io.output.str((flags & NETWORK_XML_INACTIVE) != 0 ? obj.config : obj.def);
  return true;
}

/**
 * start, destroy, undefine and (flags = the value) setAutostart, by the node's driver's rules;
 * answers the VIR_NETWORK_EVENT_* the change causes (-1: none).
 */
export function networkOp(handle: i32, key: NetworkKey, op: i32, flags: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = target(node, key);
  if (obj === null) return false;
  const test = isTestNode(node);
  const from = fromOf(node);
  const list = node.networks;
  let event = -1;
  switch (op) {
    case NetworkOp.CREATE:
      if (obj.active) return invalid(from, test ? "Network '" + obj.name + "' is already running" : "network is already active");
      obj.active = true;
      event = NetworkEvent.STARTED;
      break;
    case NetworkOp.DESTROY:
      // the test driver stops a stopped network again without complaint
      if (!obj.active && !test) return invalid(from, "network '" + obj.name + "' is not active");
      obj.active = false;
      if (!obj.persistent) list.remove(obj);
      else if (obj.newDef !== null && !test) {
        obj.def = obj.newDef!;
        obj.newDef = null;
      }
      event = NetworkEvent.STOPPED;
      break;
    case NetworkOp.UNDEFINE:
      if (test && obj.active) return invalid(from, "Network '" + obj.name + "' is still running");
      if (!obj.persistent) return invalid(from, "can't undefine transient network");
      obj.persistent = false;
      obj.autostart = false;
      obj.newDef = null;
      if (!obj.active) list.remove(obj);
      event = NetworkEvent.UNDEFINED;
      break;
    case NetworkOp.SET_AUTOSTART:
      if (!obj.persistent && !test) return invalid(from, "cannot set autostart for transient network");
      obj.autostart = flags != 0;
      break;
    default:
      beginError(Code.INVALID_ARG, from).str("unknown network operation");
      return false;
  }
  io.output.putI32(event);
  return true;
}

const SECTION_NAMES = ["none", "bridge", "domain", "ip", "ip-dhcp-host", "ip-dhcp-range", "forward", "forward-interface", "forward-pf", "portgroup", "dns-host", "dns-txt", "dns-srv"];
const hostDoc = new Doc();

/**
 * virNetworkUpdate (virNetworkObjUpdate's checks, then the section's change on each definition
 * the flags select, all or nothing). Of the sections only IP_DHCP_HOST can be changed so far.
 * Answers the NetworkAffect bits of the definitions changed.
 */
export function networkUpdate(handle: i32, key: NetworkKey, xml: string, command: i32, section: i32, parentIndex: i32, flags: i32): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const unknown = flags & ~(NetworkAffect.AFFECT_LIVE | NetworkAffect.AFFECT_CONFIG);
  if (unknown != 0) return failBare(Code.INVALID_ARG, fromOf(node), "unsupported flags (0x" + unknown.toString(16) + ") in function " + (isTestNode(node) ? "testNetworkUpdate" : "networkUpdate"));
  const obj = target(node, key);
  if (obj === null) return false;
  if ((flags & (NetworkAffect.AFFECT_LIVE | NetworkAffect.AFFECT_CONFIG)) == 0) flags = obj.active ? NetworkAffect.AFFECT_LIVE : NetworkAffect.AFFECT_CONFIG;
  const live = (flags & NetworkAffect.AFFECT_LIVE) != 0;
  const config = (flags & NetworkAffect.AFFECT_CONFIG) != 0;
  if (live && !obj.active) return invalid(From.NETWORK, "network is not running");
  if (config && !obj.persistent) return invalid(From.NETWORK, "cannot change persistent config of a transient network");
  if (!parseDocument(hostDoc, copyIntoDoc(hostDoc, String.UTF8.encode(xml)), "network_update_xml")) return false;
  if (section < 0 || section >= SECTION_NAMES.length || section == NetworkSection.NONE) {
    return failBare(Code.NO_SUPPORT, From.NETWORK, "can't update unrecognized section of network");
  }
  if (section != NetworkSection.IP_DHCP_HOST) {
    beginError(Code.NO_SUPPORT, From.NETWORK).str("can't update '" + SECTION_NAMES[section] + "' section of network '" + obj.name + "'");
    return false;
  }
  if (hostDoc.nameOf(hostDoc.root) != S.host) {
    beginError(Code.XML_ERROR, From.NETWORK).str("unexpected element <" + symbolText(hostDoc.nameOf(hostDoc.root)) + ">, expecting <host>, while updating network '" + obj.name + "'");
    return false;
  }
  const newLive = live ? updateDhcpHost(obj.def, hostDoc, command, parentIndex) : null;
  if (live && newLive === null) return false;
  const newConfig = config ? updateDhcpHost(obj.config, hostDoc, command, parentIndex) : null;
  if (config && newConfig === null) return false;
  if (newLive !== null) obj.def = newLive;
  if (newConfig !== null) {
    if (obj.active) obj.newDef = newConfig;
    else obj.def = newConfig;
  }
  io.output.putI32(flags);
  return true;
}

function invalid(from: i32, message: string): bool {
  beginError(Code.OPERATION_INVALID, from).str(message);
  return false;
}

// ---- networks on a node's host (lxc:///, kvm:///: the state lives on disk, the host reloads it) ----

export function networkClear(handle: i32, devices: string): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  node.networks.clear();
  node.networks.hostDevices = devices == "" ? [] : devices.split("\t");
  return true;
}

/** A stored definition as a network object (null when there is none, or with the error when it does not parse). */
function storedNetwork(xml: string): NetworkObj | null {
  if (xml == "") return null;
  return parsed(copyIntoDoc(builtIn, String.UTF8.encode(xml)), builtIn);
}

/** A network as the host stored it: its configuration ("" for a transient one), its live definition ("" when stopped). */
export function networkRestore(handle: i32, config: string, live: string, autostart: bool): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const configObj = storedNetwork(config);
  if (config != "" && configObj === null) return false;
  const liveObj = storedNetwork(live);
  if (live != "" && liveObj === null) return false;
  let obj: NetworkObj;
  if (liveObj !== null) obj = liveObj;
  else if (configObj !== null) obj = configObj;
  else return true;
  if (node.networks.findByUuid(obj.uuidHi, obj.uuidLo) !== null || node.networks.findByName(obj.name) !== null) return true; // (a damaged store: the first one counts)
  if (liveObj !== null && configObj !== null && configObj.def != liveObj.def) obj.newDef = configObj.def;
  obj.persistent = configObj !== null;
  obj.active = liveObj !== null;
  obj.autostart = autostart && obj.persistent;
  node.networks.add(obj);
  return true;
}

/**
 * The host steps starting a stopped network (host-plan.ts), after the checks the node's state
 * allows; `creating`: the network createXML has just made (it counts as running already).
 */
export function networkStartPlan(handle: i32, key: NetworkKey, stateDir: string, creating: bool): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = target(node, key);
  if (obj === null) return false;
  if (obj.active && !creating) return invalid(From.NETWORK, "network is already active");
  const others = node.networks.objects;
  for (let i = 0; i < others.length; i++) {
    if (others[i] === obj || !others[i].active) continue;
    const bridge = overlappingBridge(obj.def, others[i].def);
    if (bridge != "") {
      beginError(Code.INTERNAL_ERROR, From.NONE).str("Network is already in use by interface " + bridge);
      return false;
    }
  }
  return writeStartPlan(io.output, obj.def, obj.name, stateDir);
}

/** The host steps stopping a running network (also right after a start that failed half way). */
export function networkStopPlan(handle: i32, key: NetworkKey, stateDir: string): bool {
  const node = nodeAt(handle);
  if (node === null) return false;
  const obj = target(node, key);
  if (obj === null) return false;
  return writeStopPlan(io.output, obj.def, stateDir);
}
