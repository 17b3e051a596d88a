// The test node's other answers through the public API: security driver and labels, vCPUs,
// balloon statistics, NUMA cells, CPU counters, SMBIOS, networks, pools and interfaces.
import test from "ava";
import { ConnectListAllNetworksFlags, DomainMemoryStatTags, DomainMetadataType, ErrorNumber, openConnection, VirtError } from "../../src/index.js";
import { testDriverShim } from "../../src/drivers/test.js";

const small = (name: string, devices = "") => `<domain type='test'><name>${name}</name><memory>131072</memory><vcpu>2</vcpu><os><type>hvm</type></os><devices>${devices}</devices></domain>`;

test.serial("security driver, labels of running domains only", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  t.deepEqual(await conn.getSecurityModel(), { model: "testSecurity", doi: "" });
  const dom = await conn.lookupByName("test");
  t.deepEqual(await dom.getSecurityLabel(), { label: "libvirt-test", enforcing: true });
  await dom.destroy();
  t.deepEqual(await dom.getSecurityLabel(), { label: "", enforcing: false });
});

test.serial("vCPUs: each on the last host CPU, time from the node's clock; pin info when inactive", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  const shim = testDriverShim();
  shim.clock = 1_000_000;
  t.teardown(() => (shim.clock = undefined));
  const dom = await conn.lookupByName("test");
  const vcpus = await dom.getVcpus();
  t.is(vcpus.length, 2);
  t.like(vcpus[1], { number: 1, state: 1, cpu: 15, cpuTime: 100_000_000 });
  t.is(vcpus[0].affinity.length, 16);
  t.deepEqual(await conn.getCPUMap(), { online: new Array(8).fill(true), onlineCount: 8 });
  await dom.destroy();
  const err = await t.throwsAsync(dom.getVcpus(), { instanceOf: VirtError });
  t.is(err?.code, ErrorNumber.VIR_ERR_OPERATION_INVALID);
  t.is((await dom.getVcpuPinInfo(2)).length, 2);
});

test.serial("balloon statistics follow the current memory, and need a balloon", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  const dom = await conn.lookupByName("test");
  await dom.setMemory(1000000);
  const stats = new Map((await dom.memoryStats()).map((s) => [s.tag, s.val]));
  t.is(stats.get(DomainMemoryStatTags.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON), 1000000);
  t.is(stats.get(DomainMemoryStatTags.VIR_DOMAIN_MEMORY_STAT_DISK_CACHES), 125000);
  const bare = await conn.createXML(small("bare"));
  t.deepEqual(await bare.memoryStats(), []);
  const ballooned = await conn.createXML(small("ballooned", "<memballoon model='virtio'/>"));
  t.is((await ballooned.memoryStats()).length, 13);
});

test.serial("NUMA cells, free memory, CPU counters and SMBIOS of the default node", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  t.deepEqual(await conn.getCellsFreeMemory(0, 8), [2 * 1024 * 1024, 4 * 1024 * 1024]);
  t.deepEqual(await conn.getCellsFreeMemory(1, 1), [4 * 1024 * 1024]);
  await t.throwsAsync(conn.getCellsFreeMemory(2, 1), { message: "invalid argument: Range exceeds available cells" });
  t.is(await conn.getFreeMemory(), 3145728);
  t.deepEqual((await conn.getCPUStats(-1)).map((s) => s.field), ["user", "kernel", "idle", "iowait"]);
  t.regex(await conn.getSysinfo(), /^<sysinfo type='smbios'>/);
});

test.serial("networks, pools and interfaces of the default node, with their filters", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  t.deepEqual((await conn.listAllNetworks()).map((n) => n.name), ["default"]);
  t.deepEqual(await conn.listAllNetworks(ConnectListAllNetworksFlags.VIR_CONNECT_LIST_NETWORKS_INACTIVE), []);
  t.like((await conn.listAllStoragePools())[0], { name: "default-pool", type: "dir", capacity: 100 * 1024 ** 3, allocation: 0 });
  t.deepEqual(await conn.listAllInterfaces(), [{ name: "eth1", mac: "aa:bb:cc:dd:ee:ff", active: true }]);
});

test.serial("titles as metadata; a console the test driver does not have", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  const titled = await conn.defineXML(small("titled").replace("<memory>", "<title>Hello</title><memory>"));
  t.is(await titled.getMetadata(DomainMetadataType.VIR_DOMAIN_METADATA_TITLE), "Hello");
  const none = await t.throwsAsync(titled.getMetadata(DomainMetadataType.VIR_DOMAIN_METADATA_DESCRIPTION), { instanceOf: VirtError });
  t.is(none?.code, ErrorNumber.VIR_ERR_NO_DOMAIN_METADATA);
  const consoleErr = await t.throwsAsync((await conn.lookupByName("test")).openConsole(), { instanceOf: VirtError });
  t.is(consoleErr?.code, ErrorNumber.VIR_ERR_NO_SUPPORT);
});
