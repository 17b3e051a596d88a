// Domains: lookups, lifecycle, state, configuration and statistics, each a call on the client's
// Connection or on the Domain the wire names (by name, UUID and id, as libvirt's daemon does).
import type { Handlers } from "./types.js";
import { paramFromWire, uuidText, wireChars, wireDomain, wireParam } from "../../rpc/objects.js";
import { ErrorDomain, ErrorNumber, VirtError } from "../../errors.js";
import type { DaemonClient } from "../client.js";
import type { remote_nonnull_domain } from "../../rpc/remote-protocol.gen.js";

const big = (n: number) => BigInt(Math.trunc(n));

/** The domain as it is now (its id changes when it starts or stops). */
async function current(client: DaemonClient, dom: remote_nonnull_domain) {
  const d = await client.connection().lookupByUUIDString(uuidText(dom.uuid));
  return { dom: wireDomain(d.reference()) };
}

/** A vCPU's affinity as libvirt packs it: one bit per host CPU, `maplen` bytes. */
function packCpuMap(affinity: readonly boolean[], maplen: number): Buffer {
  const map = Buffer.alloc(maplen);
  affinity.forEach((on, cpu) => on && cpu < maplen * 8 && (map[cpu >> 3] |= 1 << (cpu & 7)));
  return map;
}

function noDomainXML(dxml: string | null, api: string): void {
  if (dxml !== null) throw new VirtError(ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED, ErrorDomain.VIR_FROM_DOMAIN, `argument unsupported: ${api} cannot take a replacement domain XML`);
}

export const domainHandlers: Handlers = {
  DOMAIN_LOOKUP_BY_ID: async (client, { id }) => ({ dom: wireDomain((await client.connection().lookupByID(id)).reference()) }),
  DOMAIN_LOOKUP_BY_NAME: async (client, { name }) => ({ dom: wireDomain((await client.connection().lookupByName(name)).reference()) }),
  DOMAIN_LOOKUP_BY_UUID: async (client, { uuid }) => ({ dom: wireDomain((await client.connection().lookupByUUIDString(uuidText(uuid))).reference()) }),
  DOMAIN_DEFINE_XML: async (client, { xml }) => ({ dom: wireDomain((await client.connection().defineXML(xml)).reference()) }),
  DOMAIN_DEFINE_XML_FLAGS: async (client, { xml, flags }) => ({ dom: wireDomain((await client.connection().defineXML(xml, flags)).reference()) }),
  DOMAIN_CREATE_XML: async (client, { xml_desc, flags }) => ({ dom: wireDomain((await client.connection().createXML(xml_desc, flags)).reference()) }),

  DOMAIN_CREATE: (client, { dom }) => client.domain(dom).create(),
  DOMAIN_CREATE_WITH_FLAGS: async (client, { dom, flags }) => {
    await client.domain(dom).create(flags);
    return current(client, dom);
  },
  DOMAIN_DESTROY: (client, { dom }) => client.domain(dom).destroy(),
  DOMAIN_DESTROY_FLAGS: (client, { dom, flags }) => client.domain(dom).destroy(flags),
  DOMAIN_SHUTDOWN: (client, { dom }) => client.domain(dom).shutdown(),
  DOMAIN_SHUTDOWN_FLAGS: (client, { dom, flags }) => client.domain(dom).shutdown(flags),
  DOMAIN_REBOOT: (client, { dom, flags }) => client.domain(dom).reboot(flags),
  DOMAIN_RESET: (client, { dom, flags }) => client.domain(dom).reset(flags),
  DOMAIN_SUSPEND: (client, { dom }) => client.domain(dom).suspend(),
  DOMAIN_RESUME: (client, { dom }) => client.domain(dom).resume(),
  DOMAIN_UNDEFINE: (client, { dom }) => client.domain(dom).undefine(),
  DOMAIN_UNDEFINE_FLAGS: (client, { dom, flags }) => client.domain(dom).undefine(flags),

  DOMAIN_GET_INFO: async (client, { dom }) => {
    const i = await client.domain(dom).getInfo();
    return { state: i.state, maxMem: big(i.maxMem), memory: big(i.memory), nrVirtCpu: i.nrVirtCpu, cpuTime: i.cpuTime };
  },
  DOMAIN_GET_STATE: (client, { dom, flags }) => client.domain(dom).getState(flags),
  DOMAIN_IS_ACTIVE: async (client, { dom }) => ({ active: (await client.domain(dom).isActive()) ? 1 : 0 }),
  DOMAIN_IS_PERSISTENT: async (client, { dom }) => ({ persistent: (await client.domain(dom).isPersistent()) ? 1 : 0 }),
  DOMAIN_GET_AUTOSTART: async (client, { dom }) => ({ autostart: (await client.domain(dom).getAutostart()) ? 1 : 0 }),
  DOMAIN_SET_AUTOSTART: (client, { dom, autostart }) => client.domain(dom).setAutostart(autostart !== 0),
  DOMAIN_GET_MAX_MEMORY: async (client, { dom }) => ({ memory: big(await client.domain(dom).getMaxMemory()) }),
  DOMAIN_GET_OS_TYPE: async (client, { dom }) => ({ type: await client.domain(dom).getOSType() }),
  DOMAIN_GET_XML_DESC: async (client, { dom, flags }) => ({ xml: await client.domain(dom).getXMLDesc(flags) }),
  DOMAIN_GET_METADATA: async (client, { dom, type, uri, flags }) => ({ metadata: await client.domain(dom).getMetadata(type, uri, flags) }),
  DOMAIN_GET_SECURITY_LABEL: async (client, { dom }) => {
    const { label, enforcing } = await client.domain(dom).getSecurityLabel();
    return { label: wireChars(label), enforcing: enforcing ? 1 : 0 };
  },

  DOMAIN_GET_VCPUS: async (client, { dom, maxinfo, maplen }) => {
    const vcpus = (await client.domain(dom).getVcpus()).slice(0, maxinfo);
    return {
      info: vcpus.map((v) => ({ number: v.number, state: v.state, cpu_time: big(v.cpuTime), cpu: v.cpu })),
      cpumaps: Buffer.concat(vcpus.map((v) => packCpuMap(v.affinity, maplen))),
    };
  },
  DOMAIN_GET_VCPU_PIN_INFO: async (client, { dom, ncpumaps, maplen, flags }) => {
    const maps = (await client.domain(dom).getVcpuPinInfo(flags)).slice(0, ncpumaps);
    return { cpumaps: Buffer.concat(maps.map((m) => packCpuMap(m, maplen))), num: maps.length };
  },
  DOMAIN_MEMORY_STATS: async (client, { dom, maxStats, flags }) => ({
    stats: (await client.domain(dom).memoryStats(flags)).slice(0, maxStats).map((s) => ({ tag: s.tag, val: big(s.val) })),
  }),
  DOMAIN_BLOCK_STATS: async (client, { dom, path }) => {
    const s = await client.domain(dom).blockStats(path);
    return { rd_req: big(s.rd_req), rd_bytes: big(s.rd_bytes), wr_req: big(s.wr_req), wr_bytes: big(s.wr_bytes), errs: big(s.errs) };
  },
  DOMAIN_BLOCK_STATS_FLAGS: async (client, { dom, path, nparams, flags }) => {
    const params = await client.domain(dom).blockStatsFlags(path, flags);
    return nparams === 0 ? { params: [], nparams: params.length } : { params: params.slice(0, nparams).map(wireParam), nparams: Math.min(nparams, params.length) };
  },
  DOMAIN_INTERFACE_STATS: async (client, { dom, device }) => {
    const s = await client.domain(dom).interfaceStats(device);
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, big(v)])) as { [K in keyof typeof s]: bigint };
  },
  DOMAIN_INTERFACE_ADDRESSES: async (client, { dom, source, flags }) => ({
    ifaces: (await client.domain(dom).interfaceAddresses(source, flags)).map((i) => ({ name: i.name, hwaddr: i.hwaddr || null, addrs: i.addrs })),
  }),
  DOMAIN_GET_BLOCK_INFO: async (client, { dom, path, flags }) => {
    const b = await client.domain(dom).getBlockInfo(path, flags);
    return { allocation: big(b.allocation), capacity: big(b.capacity), physical: big(b.physical) };
  },

  DOMAIN_SET_MEMORY: (client, { dom, memory }) => client.domain(dom).setMemory(Number(memory)),
  DOMAIN_SET_MEMORY_FLAGS: (client, { dom, memory, flags }) => client.domain(dom).setMemoryFlags(Number(memory), flags),
  DOMAIN_SET_MAX_MEMORY: (client, { dom, memory }) => client.domain(dom).setMaxMemory(Number(memory)),
  DOMAIN_SET_VCPUS: (client, { dom, nvcpus }) => client.domain(dom).setVcpus(nvcpus),
  DOMAIN_SET_VCPUS_FLAGS: (client, { dom, nvcpus, flags }) => client.domain(dom).setVcpusFlags(nvcpus, flags),
  DOMAIN_GET_VCPUS_FLAGS: async (client, { dom, flags }) => ({ num: await client.domain(dom).getVcpusFlags(flags) }),
  DOMAIN_GET_SCHEDULER_TYPE: (client, { dom }) => client.domain(dom).getSchedulerType(),
  DOMAIN_GET_SCHEDULER_PARAMETERS: async (client, { dom, nparams }) => ({ params: (await client.domain(dom).getSchedulerParameters()).slice(0, nparams).map(wireParam) }),
  DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS: async (client, { dom, nparams, flags }) => ({
    params: (await client.domain(dom).getSchedulerParameters(flags)).slice(0, nparams).map(wireParam),
  }),
  DOMAIN_SET_SCHEDULER_PARAMETERS: (client, { dom, params }) => client.domain(dom).setSchedulerParameters(params.map(paramFromWire)),
  DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS: (client, { dom, params, flags }) => client.domain(dom).setSchedulerParameters(params.map(paramFromWire), flags),

  DOMAIN_SAVE: (client, { dom, to }) => client.domain(dom).save(to),
  DOMAIN_SAVE_FLAGS: (client, { dom, to, dxml, flags }) => {
    noDomainXML(dxml, "virDomainSaveFlags");
    return client.domain(dom).save(to, flags);
  },
  DOMAIN_RESTORE: (client, args) => client.connection().restore(args.from),
  DOMAIN_RESTORE_FLAGS: (client, { from, dxml, flags }) => {
    noDomainXML(dxml, "virDomainRestoreFlags");
    return client.connection().restore(from, flags);
  },
  DOMAIN_MANAGED_SAVE: (client, { dom, flags }) => client.domain(dom).managedSave(flags),
  DOMAIN_HAS_MANAGED_SAVE_IMAGE: async (client, { dom, flags }) => ({ result: (await client.domain(dom).hasManagedSaveImage(flags)) ? 1 : 0 }),
  DOMAIN_MANAGED_SAVE_REMOVE: (client, { dom, flags }) => client.domain(dom).managedSaveRemove(flags),

  CONNECT_GET_ALL_DOMAIN_STATS: async (client, { doms, stats, flags }) => {
    const wanted = new Set(doms.map((d) => d.uuid.toString("hex")));
    const records = await client.connection().getAllDomainStats(stats, flags);
    const chosen = wanted.size === 0 ? records : records.filter((r) => wanted.has(wireDomain(r.dom.reference()).uuid.toString("hex")));
    return { retStats: chosen.map((r) => ({ dom: wireDomain(r.dom.reference()), params: r.params.map(wireParam) })) };
  },
};
