// virNetworkUpdate of DHCP hosts and network lifecycle events on test:///default, through the
// library: what changes live and in the configuration, libvirt's matching rules, and that a
// refused update changes nothing. (test:///default is one node per process: tests run in turn.)
import test from "ava";
import { NetworkEventLifecycleType as Ev, NetworkUpdateCommand as Cmd, NetworkUpdateFlags as Affect, NetworkUpdateSection as Section, openConnection, type Network } from "../../src/index.js";

const UUID = "7d3b1e4a-3c2f-4f65-9d0e-8a1b2c3d4e5f";
const LAB = `<network><name>upd</name><uuid>${UUID}</uuid><bridge name='vkbr160'/><forward mode='nat'/><ip address='192.168.160.1' netmask='255.255.255.0'><dhcp><range start='192.168.160.2' end='192.168.160.254'/></dhcp></ip><ip family='ipv6' address='fd00:160::1' prefix='64'/></network>`;
const host = (mac: string, name: string, ip: string) => `<host mac='${mac}' name='${name}' ip='${ip}'/>`;
const H = Section.VIR_NETWORK_SECTION_IP_DHCP_HOST;

/** The <host> lines of a definition, trimmed. */
const hosts = (xml: string) => xml.split("\n").filter((l) => l.includes("<host ")).map((l) => l.trim());

async function lab(t: import("ava").ExecutionContext): Promise<Network> {
  const conn = await openConnection("test:///default");
  const net = await conn.networkDefineXML(LAB);
  t.teardown(async () => {
    if (await net.isActive()) await net.destroy();
    await net.undefine();
    await conn.close();
  });
  return net;
}

test.serial("hosts are added first or last, modified by any of mac, name or address, deleted by all given", async (t) => {
  const net = await lab(t);
  await net.create();
  await net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, -1, host("52:54:00:00:00:01", "a", "192.168.160.10"));
  await net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST, H, -1, "<host mac='52:54:00:00:00:02' ip='192.168.160.11'/>");
  await net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, 0, "<host name='c' ip='192.168.160.12'><lease expiry='2' unit='hours'/></host>");
  t.deepEqual(hosts(await net.getXMLDesc()), [
    "<host mac='52:54:00:00:00:02' ip='192.168.160.11'/>",
    "<host mac='52:54:00:00:00:01' name='a' ip='192.168.160.10'/>",
    "<host name='c' ip='192.168.160.12'>",
  ]);
  await net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_MODIFY, H, -1, host("52:54:00:00:00:09", "a", "192.168.160.20")); // by name
  await net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_MODIFY, H, -1, host("52:54:00:00:00:02", "b", "192.168.160.21")); // by MAC
  t.deepEqual(hosts(await net.getXMLDesc()), [
    "<host mac='52:54:00:00:00:02' name='b' ip='192.168.160.21'/>",
    "<host mac='52:54:00:00:00:09' name='a' ip='192.168.160.20'/>",
    "<host name='c' ip='192.168.160.12'>",
  ]);
  await t.throwsAsync(net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_DELETE, H, -1, "<host mac='52:54:00:00:00:09' name='b'/>"), {
    message: "Requested operation is not valid: couldn't locate a matching dhcp host entry in network 'upd'",
  });
  await net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_DELETE, H, -1, "<host mac='52:54:00:00:00:02' ip='192.168.160.21'/>"); // both match
  await net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_DELETE, H, -1, "<host ip='192.168.160.12'/>");
  t.deepEqual(hosts(await net.getXMLDesc()), ["<host mac='52:54:00:00:00:09' name='a' ip='192.168.160.20'/>"]);
  t.deepEqual(hosts(await net.getXMLDesc(0)), hosts(await net.getXMLDesc()), "the test driver keeps one definition view");
});

test.serial("a refused update changes nothing and says why in libvirt's words", async (t) => {
  const net = await lab(t);
  await net.create();
  const before = await net.getXMLDesc();
  const refusals: [Cmd, number, string, string][] = [
    [Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, -1, "<host mac='52:54:00:00:00:01'/>", "XML error: Missing IP address in static host definition for network 'upd'"],
    [Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, -1, "<host mac='01:00:00:00:00:01' ip='192.168.160.9'/>", "XML error: expected unicast mac address, found multicast '01:00:00:00:00:01' in network 'upd'"],
    [Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, -1, "<host mac='52:54:00:00:00:01' ip='fd00:160::9'/>", "Requested operation is not valid: the address family of a host entry IP must match the address family of the dhcp element's parent"],
    [Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, 1, "<host mac='52:54:00:00:00:01' ip='fd00:160::9'/>", "XML error: Invalid to specify MAC address '52:54:00:00:00:01' in network 'upd' IPv6 static host definition"],
    [Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, 2, host("52:54:00:00:00:01", "a", "192.168.160.9"), "Requested operation is not valid: couldn't update dhcp host entry - no <ip> element found at index 2 in network 'upd'"],
    [Cmd.VIR_NETWORK_UPDATE_COMMAND_MODIFY, -1, "<host name='zz' ip='192.168.160.9'/>", "Requested operation is not valid: couldn't locate an existing dhcp host entry with \"mac='unknown'\" \"name='zz'\" \"ip='192.168.160.9'\" in network 'upd'"],
    [Cmd.VIR_NETWORK_UPDATE_COMMAND_DELETE, -1, "<host/>", "XML error: At least one of name, mac, or ip attribute must be specified for static host definition in network 'upd' "],
    [Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, -1, "<hosts/>", "XML error: unexpected element <hosts>, expecting <host>, while updating network 'upd'"],
    [9 as Cmd, -1, "<host name='x' ip='192.168.160.9'/>", "this function is not supported by the connection driver: unrecognized network update command code 9"],
  ];
  for (const [command, parent, xml, message] of refusals) {
    const e = await t.throwsAsync(net.update(command, H, parent, xml));
    t.is(e?.message, message, xml);
  }
  await t.throwsAsync(net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, Section.VIR_NETWORK_SECTION_DNS_TXT, -1, "<txt name='a' value='b'/>"), {
    message: "this function is not supported by the connection driver: can't update 'dns-txt' section of network 'upd'",
  });
  await t.throwsAsync(net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, -1, "<host name='a' ip='192.168.160.9'", 0), { message: /^network_update_xml:1: / });
  await t.throwsAsync(net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, -1, host("52:54:00:00:00:01", "a", "192.168.160.9"), 4), {
    message: "unsupported flags (0x4) in function testNetworkUpdate",
  });
  // both definitions or neither: the configuration's copy fails after the live one succeeded
  await net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, -1, host("52:54:00:00:00:05", "e", "192.168.160.50"), Affect.VIR_NETWORK_UPDATE_AFFECT_CONFIG);
  const live = await net.getXMLDesc();
  await t.throwsAsync(net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, -1, host("52:54:00:00:00:06", "e", "192.168.160.51"), Affect.VIR_NETWORK_UPDATE_AFFECT_LIVE | Affect.VIR_NETWORK_UPDATE_AFFECT_CONFIG), {
    message: /there is an existing dhcp host entry in network 'upd'/,
  });
  t.is(await net.getXMLDesc(), live);
  t.is(live, before, "a configuration change leaves the running network's definition");
});

test.serial("live changes need a running network, configuration changes a persistent one; current picks by state", async (t) => {
  const net = await lab(t);
  const add = (flags: number, n: number) => net.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, -1, host(`52:54:00:00:00:1${n}`, `h${n}`, `192.168.160.1${n}`), flags);
  await t.throwsAsync(add(Affect.VIR_NETWORK_UPDATE_AFFECT_LIVE, 1), { message: "Requested operation is not valid: network is not running" });
  await add(Affect.VIR_NETWORK_UPDATE_AFFECT_CURRENT, 1); // stopped: its configuration
  t.deepEqual(hosts(await net.getXMLDesc()), ["<host mac='52:54:00:00:00:11' name='h1' ip='192.168.160.11'/>"]);
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  const transient = await conn.networkCreateXML(LAB.replace("<name>upd</name>", "<name>upd2</name>").replace(UUID, "7d3b1e4a-3c2f-4f65-9d0e-8a1b2c3d4e60").replace(/160/g, "161"));
  await t.throwsAsync(transient.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, -1, host("52:54:00:00:00:21", "x", "192.168.161.21"), Affect.VIR_NETWORK_UPDATE_AFFECT_CONFIG), {
    message: "Requested operation is not valid: cannot change persistent config of a transient network",
  });
  await transient.update(Cmd.VIR_NETWORK_UPDATE_COMMAND_ADD_LAST, H, -1, host("52:54:00:00:00:21", "x", "192.168.161.21")); // running: live
  t.deepEqual(hosts(await transient.getXMLDesc()), ["<host mac='52:54:00:00:00:21' name='x' ip='192.168.161.21'/>"]);
  await transient.destroy();
});

test.serial("listeners hear networks defined, started, stopped and undefined, after each call returns", async (t) => {
  const conn = await openConnection("test:///default");
  t.teardown(() => conn.close());
  const heard: [string, number, number][] = [];
  const listener = (net: Network, event: number, detail: number) => heard.push([net.name, event, detail]);
  conn.on("networkLifecycle", listener);
  const net = await conn.networkDefineXML(LAB);
  await net.create();
  await t.throwsAsync(net.create()); // refused: no event
  await net.setAutostart(true); // no event
  await net.destroy();
  await net.undefine();
  const transient = await conn.networkCreateXML(LAB);
  await transient.destroy();
  await new Promise((resolve) => queueMicrotask(() => resolve(undefined)));
  t.deepEqual(heard, [
    ["upd", Ev.VIR_NETWORK_EVENT_DEFINED, 0],
    ["upd", Ev.VIR_NETWORK_EVENT_STARTED, 0],
    ["upd", Ev.VIR_NETWORK_EVENT_STOPPED, 0],
    ["upd", Ev.VIR_NETWORK_EVENT_UNDEFINED, 0],
    ["upd", Ev.VIR_NETWORK_EVENT_STARTED, 0],
    ["upd", Ev.VIR_NETWORK_EVENT_STOPPED, 0],
  ]);
  conn.off("networkLifecycle", listener);
  await (await conn.networkDefineXML(LAB)).undefine();
  t.is(heard.length, 6, "no events after the last listener left");
});
