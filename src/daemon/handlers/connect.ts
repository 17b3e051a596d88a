// The connection and the node: the start-up calls every client makes (AUTH_LIST, feature probes,
// CONNECT_OPEN), the node's facts, and the listings.
import type { Handlers } from "./types.js";
import { wireChars, wireDomain, wireFixedChars, wireNamed } from "../../rpc/objects.js";
import { remote_auth_type } from "../../rpc/remote-protocol.gen.js";

/** VIR_DRV_FEATURE_* numbers a client asks about, and virtkitd's answers. */
const FEATURES: Record<number, boolean> = {
  9: true, // TYPED_PARAM_STRING
  10: true, // PROGRAM_KEEPALIVE
  14: true, // REMOTE_EVENT_CALLBACK: per-callback events (procedures 316-318 and the network ones)
  16: true, // NETWORK_UPDATE_HAS_CORRECT_ORDER
};

/** node_get_info_ret's `char model[32]` */
const MODEL_CHARS = 32;

export const connectHandlers: Handlers = {
  // The unix socket's credentials authenticate the client: no SASL or polkit step follows.
  AUTH_LIST: () => ({ types: [remote_auth_type.REMOTE_AUTH_NONE] }),
  CONNECT_SUPPORTS_FEATURE: (_client, { feature }) => ({ supported: FEATURES[feature] ? 1 : 0 }),
  CONNECT_OPEN: (client, { name, flags }) => client.open(name, flags),
  CONNECT_CLOSE: (client) => client.closeConnection(),
  CONNECT_GET_URI: (client) => ({ uri: client.openedURI }),
  // libvirt's tools (virt-manager, virt-install) know the KVM driver by libvirt's name for it
  CONNECT_GET_TYPE: async (client) => ({ type: client.openedURI.startsWith("qemu:") ? "QEMU" : await client.connection().getType() }),
  CONNECT_GET_VERSION: async (client) => ({ hv_ver: BigInt(await client.connection().getVersion()) }),
  CONNECT_GET_LIB_VERSION: async (client) => ({ lib_ver: BigInt(await client.connection().getLibVersion()) }),
  CONNECT_GET_HOSTNAME: async (client) => ({ hostname: await client.connection().getHostname() }),
  CONNECT_GET_CAPABILITIES: async (client) => ({ capabilities: await client.connection().getCapabilities() }),
  CONNECT_GET_SYSINFO: async (client, { flags }) => ({ sysinfo: await client.connection().getSysinfo(flags) }),
  CONNECT_IS_SECURE: () => ({ secure: 1 }), // a unix socket

  NODE_GET_INFO: async (client) => {
    const info = await client.connection().getInfo();
    const { model, memory, ...counts } = info;
    return { model: wireFixedChars(model, MODEL_CHARS), memory: BigInt(memory), ...counts };
  },
  NODE_GET_SECURITY_MODEL: async (client) => {
    const { model, doi } = await client.connection().getSecurityModel();
    return { model: wireChars(model), doi: wireChars(doi) };
  },
  NODE_GET_FREE_MEMORY: async (client) => ({ freeMem: BigInt(await client.connection().getFreeMemory()) }),
  NODE_GET_CELLS_FREE_MEMORY: async (client, { startCell, maxcells }) => ({
    cells: (await client.connection().getCellsFreeMemory(startCell, maxcells)).map((bytes) => BigInt(bytes)),
  }),
  NODE_GET_CPU_STATS: async (client, { cpuNum, nparams, flags }) => {
    const stats = await client.connection().getCPUStats(cpuNum, flags);
    // nparams 0 asks only how many values there are (libvirt's two-step call)
    return nparams === 0 ? { params: [], nparams: stats.length } : { params: stats.slice(0, nparams), nparams: Math.min(nparams, stats.length) };
  },
  NODE_GET_CPU_MAP: async (client, { need_map, need_online }) => {
    const { online, onlineCount } = await client.connection().getCPUMap();
    const map = Buffer.alloc(Math.ceil(online.length / 8));
    online.forEach((up, cpu) => up && (map[cpu >> 3] |= 1 << (cpu & 7)));
    return { cpumap: need_map ? map : Buffer.alloc(0), online: need_online ? onlineCount : 0, ret: online.length };
  },

  CONNECT_LIST_ALL_DOMAINS: async (client, { need_results, flags }) => {
    const domains = await client.connection().listAllDomains(flags);
    return { domains: need_results ? domains.map((d) => wireDomain(d.reference())) : [], ret: domains.length };
  },
  CONNECT_NUM_OF_DOMAINS: async (client) => ({ num: (await client.connection().listAllDomains(1)).length }),
  CONNECT_LIST_DOMAINS: async (client, { maxids }) => ({ ids: (await client.connection().listAllDomains(1)).map((d) => d.reference().id).slice(0, maxids) }),
  CONNECT_NUM_OF_DEFINED_DOMAINS: async (client) => ({ num: (await client.connection().listAllDomains(2)).length }),
  CONNECT_LIST_DEFINED_DOMAINS: async (client, { maxnames }) => ({ names: (await client.connection().listAllDomains(2)).map((d) => d.name).slice(0, maxnames) }),
  CONNECT_LIST_ALL_NETWORKS: async (client, { need_results, flags }) => {
    const nets = await client.connection().listAllNetworks(flags);
    return { nets: need_results ? nets.map((n) => wireNamed(n.name, n.uuid)) : [], ret: nets.length };
  },
  CONNECT_LIST_ALL_STORAGE_POOLS: async (client, { need_results, flags }) => {
    const pools = await client.connection().listAllStoragePools(flags);
    return { pools: need_results ? pools.map((p) => wireNamed(p.name, p.uuid)) : [], ret: pools.length };
  },
  CONNECT_LIST_ALL_INTERFACES: async (client, { need_results, flags }) => {
    const ifaces = await client.connection().listAllInterfaces(flags);
    return { ifaces: need_results ? ifaces.map((i) => ({ name: i.name, mac: i.mac })) : [], ret: ifaces.length };
  },
};
