// Virtual networks, and the storage pools and host interfaces virsh's listings ask about: calls
// on the client's Connection or on the Network the wire names.
import type { Handlers } from "./types.js";
import { uuidText, wireNamed, wireNetwork } from "../../rpc/objects.js";
import type { NetworkUpdateCommand, NetworkUpdateSection } from "../../constants.js";
import type { DaemonClient } from "../client.js";
import type { remote_nonnull_storage_pool } from "../../rpc/remote-protocol.gen.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";

const big = (n: number) => BigInt(Math.trunc(n));

/** A storage pool's summary, found by the UUID on the wire (virtkit lists pools; it keeps no handles). */
async function pool(client: DaemonClient, p: remote_nonnull_storage_pool) {
  const uuid = uuidText(p.uuid);
  const found = (await client.connection().listAllStoragePools(0)).find((s) => s.uuid === uuid);
  if (!found) throw new VirtError(ErrorNumber.VIR_ERR_NO_STORAGE_POOL, ErrorDomain.VIR_FROM_STORAGE, `Storage pool not found: no storage pool with matching uuid '${uuid}' (${p.name})`);
  return found;
}

/** virStoragePoolState: RUNNING (2) or INACTIVE (0) */
const POOL_RUNNING = 2;

export const networkHandlers: Handlers = {
  NETWORK_LOOKUP_BY_NAME: async (client, { name }) => ({ net: wireNetwork((await client.connection().networkLookupByName(name)).reference()) }),
  NETWORK_LOOKUP_BY_UUID: async (client, { uuid }) => ({ net: wireNetwork((await client.connection().networkLookupByUUIDString(uuidText(uuid))).reference()) }),
  NETWORK_DEFINE_XML: async (client, { xml }) => ({ net: wireNetwork((await client.connection().networkDefineXML(xml)).reference()) }),
  NETWORK_CREATE_XML: async (client, { xml }) => ({ net: wireNetwork((await client.connection().networkCreateXML(xml)).reference()) }),
  NETWORK_CREATE: (client, { net }) => client.network(net).create(),
  NETWORK_DESTROY: (client, { net }) => client.network(net).destroy(),
  NETWORK_UNDEFINE: (client, { net }) => client.network(net).undefine(),
  NETWORK_GET_XML_DESC: async (client, { net, flags }) => ({ xml: await client.network(net).getXMLDesc(flags) }),
  NETWORK_GET_BRIDGE_NAME: async (client, { net }) => ({ name: await client.network(net).getBridgeName() }),
  NETWORK_GET_AUTOSTART: async (client, { net }) => ({ autostart: (await client.network(net).getAutostart()) ? 1 : 0 }),
  NETWORK_SET_AUTOSTART: (client, { net, autostart }) => client.network(net).setAutostart(autostart !== 0),
  NETWORK_IS_ACTIVE: async (client, { net }) => ({ active: (await client.network(net).isActive()) ? 1 : 0 }),
  NETWORK_IS_PERSISTENT: async (client, { net }) => ({ persistent: (await client.network(net).isPersistent()) ? 1 : 0 }),
  NETWORK_UPDATE: (client, { net, command, section, parentIndex, xml, flags }) =>
    client.network(net).update(command as NetworkUpdateCommand, section as NetworkUpdateSection, parentIndex, xml, flags),
  NETWORK_GET_DHCP_LEASES: async (client, { net, mac, need_results, flags }) => {
    const leases = await client.network(net).getDHCPLeases(mac, flags);
    return { leases: need_results ? leases.map((l) => ({ ...l, expirytime: big(l.expirytime) })) : [], ret: leases.length };
  },

  STORAGE_POOL_LOOKUP_BY_NAME: async (client, { name }) => {
    const found = (await client.connection().listAllStoragePools(0)).find((s) => s.name === name);
    if (!found) throw new VirtError(ErrorNumber.VIR_ERR_NO_STORAGE_POOL, ErrorDomain.VIR_FROM_STORAGE, `Storage pool not found: no storage pool with matching name '${name}'`);
    return { pool: wireNamed(found.name, found.uuid) };
  },
  STORAGE_POOL_GET_INFO: async (client, { pool: p }) => {
    const s = await pool(client, p);
    return { state: s.active ? POOL_RUNNING : 0, capacity: big(s.capacity), allocation: big(s.allocation), available: big(s.available) };
  },
  STORAGE_POOL_GET_AUTOSTART: async (client, { pool: p }) => ({ autostart: (await pool(client, p)).autostart ? 1 : 0 }),
  STORAGE_POOL_IS_ACTIVE: async (client, { pool: p }) => ({ active: (await pool(client, p)).active ? 1 : 0 }),
  STORAGE_POOL_IS_PERSISTENT: async (client, { pool: p }) => ({ persistent: (await pool(client, p)).persistent ? 1 : 0 }),

  INTERFACE_IS_ACTIVE: async (client, { iface }) => {
    const found = (await client.connection().listAllInterfaces(0)).find((i) => i.name === iface.name);
    if (!found) throw new VirtError(ErrorNumber.VIR_ERR_NO_INTERFACE, ErrorDomain.VIR_FROM_INTERFACE, `Interface not found: no interface with matching name '${iface.name}'`);
    return { active: found.active ? 1 : 0 };
  },
};
