// libvirt's network API on test:///default: its "default" network, define, create, start,
// destroy, undefine, autostart and XML, with libvirt's rules and errors, through the library.
// (test:///default is one node for the whole process: the tests run one after another.)
import test from "ava";
import { readFileSync } from "node:fs";
import { openConnection, VirtError } from "../../src/index.js";
import { fixturePath } from "../support/fixtures.js";

const NET = (name: string, uuid: string, third = 150) => `<network><name>${name}</name><uuid>${uuid}</uuid><bridge name='vkbr${third}'/><forward mode='nat'/><ip address='192.168.${third}.1' netmask='255.255.255.0'/></network>`;
const UUID_A = "11111111-2222-4333-8444-555555555555";
const UUID_B = "11111111-2222-4333-8444-666666666666";

test.serial("test:///default has libvirt's default network, active and persistent, on virbr0", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  const net = await conn.networkLookupByName("default");
  t.is(net.uuid, "dd8fe884-6c02-601e-7551-cca97df1c5df");
  t.true(await net.isActive());
  t.true(await net.isPersistent());
  t.false(await net.getAutostart());
  t.is(await net.getBridgeName(), "virbr0");
  t.is(await net.getXMLDesc(), readFileSync(fixturePath("networks", "default-canonical.xml"), "utf8"), "as virsh net-dumpxml prints it");
  t.is((await conn.networkLookupByUUIDString("dd8fe884-6c02-601e-7551-cca97df1c5df")).name, "default");
});

test.serial("a defined network is inactive until started; destroy stops it; undefine forgets it", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  const net = await conn.networkDefineXML(NET("lab", UUID_A));
  t.false(await net.isActive());
  t.true(await net.isPersistent());
  t.deepEqual(
    (await conn.listAllNetworks()).map((n) => [n.name, n.active]),
    [
      ["default", true],
      ["lab", false],
    ],
  );
  await net.create();
  t.true(await net.isActive());
  await t.throwsAsync(net.create(), { message: "Requested operation is not valid: Network 'lab' is already running" });
  await t.throwsAsync(net.undefine(), { message: "Requested operation is not valid: Network 'lab' is still running" });
  await net.setAutostart(true);
  t.true(await net.getAutostart());
  await net.destroy();
  t.false(await net.isActive());
  await net.undefine();
  const e = await t.throwsAsync(conn.networkLookupByName("lab"), { instanceOf: VirtError });
  t.is(e?.message, "Network not found: no network with matching name 'lab'");
  t.is(e?.code, 43, "VIR_ERR_NO_NETWORK");
  t.is(e?.domain, 12, "VIR_FROM_TEST, as libvirt's test driver reports it");
});

test.serial("a created network is transient: it goes when destroyed", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  const net = await conn.networkCreateXML(NET("tmp", UUID_B, 151));
  t.true(await net.isActive());
  t.false(await net.isPersistent());
  await net.setAutostart(true); // libvirt's test driver allows it (its network driver does not)
  await t.throwsAsync(net.getXMLDesc(1), { message: "unsupported flags (0x1) in function testNetworkGetXMLDesc" });
  await net.destroy();
  await t.throwsAsync(conn.networkLookupByName("tmp"), { message: "Network not found: no network with matching name 'tmp'" });
});

test.serial("names and UUIDs stay unique as libvirt keeps them; bad XML defines nothing", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  await t.throwsAsync(conn.networkDefineXML(NET("other", "dd8fe884-6c02-601e-7551-cca97df1c5df")), {
    message: "operation failed: network 'default' is already defined with uuid dd8fe884-6c02-601e-7551-cca97df1c5df",
  });
  await t.throwsAsync(conn.networkDefineXML(NET("default", UUID_A)), {
    message: "operation failed: network 'default' already exists with uuid dd8fe884-6c02-601e-7551-cca97df1c5df",
  });
  await t.throwsAsync(conn.networkDefineXML("<network><name>bad</name><forward mode='nat'/></network>"), {
    message: "XML error: nat forwarding requested, but no IP address provided for network 'bad'",
  });
  t.deepEqual((await conn.listAllNetworks()).map((n) => n.name), ["default"]);
  const noBridge = await conn.networkDefineXML(`<network><name>nobr</name><uuid>${UUID_A}</uuid></network>`);
  await t.throwsAsync(noBridge.getBridgeName(), { message: "internal error: network 'nobr' does not have a bridge name." });
  await noBridge.undefine();
});
