// dnsmasq's files for a network beyond libvirt's corpus: names that need escaping, networks
// without DHCP, IPv6 on its own, the DNS hosts file, when libvirt would start dnsmasq at all, and
// what dnsmasq cannot serve (libvirt's codes and words, and a core that stays usable).
import test from "ava";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CORPUS_DIR } from "../corpus/corpus.js";
import { mutate, mutation, type Mutation } from "../support/xml-mutations.js";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { VirtError } from "../../src/errors.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const DIR = "/run/virtkit/dnsmasq";
const INTERNAL_ERROR = 1;
const CONFIG_UNSUPPORTED = 67;
const XML_ERROR = 27;
const FROM_NETWORK = 19;

const HEADER_END = "## dnsmasq conf file created by libvirt\nstrict-order\n";

const net = (body: string, name = "n", forward = "<forward mode='nat'/>") =>
  `<network><name>${name}</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>${forward}<bridge name='virbr5'/>${body}</network>`;

/** The .conf's lines after the header. */
function body(conf: string): string[] {
  return conf.slice(conf.indexOf(HEADER_END) + HEADER_END.length).split("\n").slice(0, -1);
}

test("a name is written as it is in the header, and XML-escaped in the hosts files' paths", (t) => {
  const files = core.networkDnsmasqConfig(net("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/></dhcp></ip>", "a&amp;b&lt;'c'&gt;\u{1F600}"), DIR, "");
  t.true(files.conf.includes("##    virsh net-edit a&b<'c'>\u{1F600}\n"));
  t.true(files.conf.includes(`dhcp-hostsfile=${DIR}/a&amp;b&lt;&apos;c&apos;&gt;\u{1F600}.hostsfile\n`));
  t.true(files.conf.includes(`addn-hosts=${DIR}/a&amp;b&lt;&apos;c&apos;&gt;\u{1F600}.addnhosts\n`));
});

test("without DHCP: no range, no DHCP hosts file, but DNS and its hosts file; with DNS off too, dnsmasq is not needed", (t) => {
  const dnsOnly = core.networkDnsmasqConfig(net("<ip address='10.0.0.1' prefix='24'/>"), DIR, "/run/virtkit/network/n.pid");
  t.deepEqual(body(dnsOnly.conf), ["pid-file=/run/virtkit/network/n.pid", "except-interface=lo", "bind-dynamic", "interface=virbr5", `addn-hosts=${DIR}/n.addnhosts`]);
  t.is(dnsOnly.hostsfile, "");
  t.true(dnsOnly.run);

  const nothing = core.networkDnsmasqConfig(net("<dns enable='no'/><ip address='10.0.0.1' prefix='24'/>", "n", "<forward mode='route'/>"), DIR, "");
  t.deepEqual(body(nothing.conf), ["port=0", "except-interface=lo", "bind-dynamic", "interface=virbr5"]);
  t.false(nothing.run, "libvirt starts no dnsmasq with nothing to serve");

  const tftpOnly = core.networkDnsmasqConfig(net("<dns enable='no'/><ip address='10.0.0.1' prefix='24'><tftp root='/srv/tftp'/></ip>"), DIR, "");
  t.true(tftpOnly.run, "TFTP alone needs dnsmasq");
  t.false(core.networkDnsmasqConfig(net("", "n", ""), DIR, "").run, "no address, no dnsmasq");
});

test("IPv6 alone: DHCPv6 ranges and static hosts, router advertisements, RA-only addresses", (t) => {
  const dhcp6 = core.networkDnsmasqConfig(
    net("<ip family='ipv6' address='fd00:1::1' prefix='64'><dhcp><range start='fd00:1::100' end='fd00:1::1ff'><lease expiry='3' unit='hours'/></range><host id='0:3:0:1:52:54:0:1:2:3' ip='fd00:1::10'><lease expiry='0'/></host><host name='web' ip='fd00:1::0:11'/></dhcp></ip><ip family='ipv6' address='fd00:2::1' prefix='64'/>"),
    DIR,
    "",
  );
  t.deepEqual(body(dhcp6.conf).slice(3), ["dhcp-range=fd00:1::100,fd00:1::1ff,64,3h", "dhcp-lease-max=256", `dhcp-hostsfile=${DIR}/n.hostsfile`, `addn-hosts=${DIR}/n.addnhosts`, "enable-ra"]);
  t.is(dhcp6.hostsfile, "id:0:3:0:1:52:54:0:1:2:3,[fd00:1::10],infinite\nweb,[fd00:1::11]\n");

  const staticOnly = core.networkDnsmasqConfig(net("<ip family='ipv6' address='fd00:1::1' prefix='56'><dhcp><host id='0:1' name='db' ip='fd00:1::20'/></dhcp></ip>"), DIR, "");
  t.deepEqual(body(staticOnly.conf).slice(3, 5), ["dhcp-range=fd00:1::1,static,56", `dhcp-hostsfile=${DIR}/n.hostsfile`]);
  t.is(staticOnly.hostsfile, "id:0:1,db,[fd00:1::20]\n");

  const slaac = core.networkDnsmasqConfig(net("<ip address='10.0.0.1' prefix='24'/><ip family='ipv6' address='fd00:1::1' prefix='64'/><ip family='ipv6' address='FD00:2:0::1' prefix='64'/>"), DIR, "");
  t.deepEqual(body(slaac.conf).slice(-2), ["dhcp-range=fd00:1::1,ra-only", "dhcp-range=fd00:2::1,ra-only"]);
});

test("IPv4 hosts by name alone, several ranges and a non-octet prefix", (t) => {
  const files = core.networkDnsmasqConfig(
    net("<ip address='10.1.0.1' prefix='20'><dhcp><range start='10.1.0.10' end='10.1.0.19'/><range start='10.1.1.0' end='10.1.2.255'/><host name='printer' ip='10.1.3.4'/><host mac='52:54:00:AA:bb:01' ip='10.1.3.5'><lease expiry='10'/></host></dhcp></ip>"),
    DIR,
    "",
  );
  t.deepEqual(body(files.conf).slice(3, 8), ["dhcp-range=10.1.0.10,10.1.0.19,255.255.240.0", "dhcp-range=10.1.1.0,10.1.2.255,255.255.240.0", "dhcp-no-override", "dhcp-authoritative", "dhcp-lease-max=522"]);
  t.is(files.hostsfile, "printer,10.1.3.4\n52:54:00:AA:bb:01,10.1.3.5,10m\n", "a host's MAC as written");
});

test("the DNS hosts file gathers an address's names; an isolated network gets no route and no upstream DNS", (t) => {
  const files = core.networkDnsmasqConfig(
    net("<dns><host ip='10.0.0.7'><hostname>a</hostname><hostname>b</hostname></host><host ip='10.0.0.8'><hostname>c</hostname></host><host ip='10.0.0.07'><hostname>d</hostname></host></dns><ip address='10.0.0.1' prefix='24'/>", "n", ""),
    DIR,
    "",
  );
  t.is(files.addnhosts, "10.0.0.7\ta\tb\td\t\n10.0.0.8\tc\t\n");
  t.deepEqual(body(files.conf).slice(3, 6), ["dhcp-option=3", "no-resolv", "ra-param=*,0,0"]);
});

test("forward modes without a bridge of their own get no dnsmasq", (t) => {
  const files = core.networkDnsmasqConfig("<network><name>br</name><forward mode='bridge'/><bridge name='br0'/></network>", DIR, "");
  t.deepEqual(files, { run: false, conf: "", hostsfile: "", addnhosts: "" });
});

const refusals: [string, number, string][] = [
  [net("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/></dhcp></ip><ip address='10.0.1.1' prefix='24'><dhcp><host mac='52:54:00:00:00:01' ip='10.0.1.2'/></dhcp></ip>"), CONFIG_UNSUPPORTED, "unsupported configuration: For IPv4, multiple DHCP definitions cannot be specified."],
  [net("<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::2' end='fd00::9'/></dhcp></ip><ip family='ipv6' address='fd01::1' prefix='64'><dhcp><range start='fd01::2' end='fd01::9'/></dhcp></ip>"), CONFIG_UNSUPPORTED, "unsupported configuration: For IPv6, multiple DHCP definitions cannot be specified."],
  [net("<ip address='10.0.0.1' prefix='20' localPtr='yes'/>"), CONFIG_UNSUPPORTED, "unsupported configuration: PTR domain for IPv4 network with prefix 20 cannot be automatically created"],
  [net("<ip family='ipv6' address='fd00::1' prefix='62' localPtr='yes'/>"), CONFIG_UNSUPPORTED, "unsupported configuration: PTR domain for IPv6 network with prefix 62 cannot be automatically created"],
  [net("<ip address='230.0.0.1'><dhcp><host mac='52:54:00:00:00:01' ip='230.0.0.2'/></dhcp></ip>"), INTERNAL_ERROR, "internal error: bridge 'virbr5' has an invalid prefix"],
  ["<network><name>n</name><ip address='10.0.0.1' prefix='24'/></network>", INTERNAL_ERROR, "internal error: network 'n' has no bridge name"],
  [net("<ip address='10.0.0.300' prefix='24'/>"), XML_ERROR, "XML error: Invalid address '10.0.0.300' in network 'n'"],
];

test("what dnsmasq cannot serve is refused with libvirt's code and words, and the core goes on", (t) => {
  const good = net("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/><host mac='52:54:00:00:00:01' ip='10.0.0.5'/></dhcp></ip>");
  const before = core.networkDnsmasqConfig(good, DIR, "");
  for (const [xml, code, message] of refusals) {
    const e = t.throws(() => core.networkDnsmasqConfig(xml, DIR, ""), { instanceOf: VirtError }, message) as VirtError;
    t.is(e.message, message);
    t.is(e.code, code, message);
    t.is(e.domain, FROM_NETWORK, message);
    t.deepEqual(core.networkDnsmasqConfig(good, DIR, ""), before);
  }
});

test("mutated corpus networks never trap the core", (t) => {
  const dir = join(CORPUS_DIR, "tests", "networkxml2confdata");
  const docs = readdirSync(dir).filter((f) => f.endsWith(".xml")).map((f) => readFileSync(join(dir, f), "utf8"));
  const good = docs[0];
  const goodOut = core.networkDnsmasqConfig(good, DIR, "");
  let accepted = 0;
  fc.assert(
    fc.property(fc.nat(docs.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, muts) => {
      try {
        core.networkDnsmasqConfig(mutate(docs[i], muts as Mutation[]), DIR, "");
        accepted++;
      } catch (e) {
        if (!(e instanceof VirtError) || e.message.includes("core.wasm aborted") || !(e.code > 0 && e.message.length > 0)) throw e;
      }
      if (core.networkDnsmasqConfig(good, DIR, "").conf !== goodOut.conf) throw new Error("the core changed behaviour after an error");
    }),
    { numRuns: 1000, seed: 0x5d1 },
  );
  t.log(`${accepted} of 1000 mutants accepted`);
  t.true(accepted > 100);
});
