// A network's firewall as virtkit applies it: one `nft -f` script per network adding libvirt's rules
// (the same ones, in the same order, as networkxml2firewalldata's commands) to chains of its own
// in table virtkit_network, and one script deleting exactly those. Nothing here runs nft: the
// scripts are read as text (which table, which chains, what the destroy touches).
import test from "ava";
import fc from "fast-check";
import { Core, coreModule } from "../../src/host/core.js";
import { FirewallForm } from "../../src/host/core-abi.gen.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { VirtError } from "../../src/errors.js";
import { corpusFile } from "../corpus/corpus.js";
import { mutate, mutation, type Mutation } from "../support/xml-mutations.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const DIR = "tests/networkxml2firewalldata";
const CASES = ["nat-default", "nat-tftp", "nat-many-ips", "nat-no-dhcp", "nat-ipv6", "nat-ipv6-masquerade", "route-default", "forward-dev", "isolated", "nat-port-range", "nat-port-range-ipv6"];
const BASE = corpusFile(`${DIR}/base.nftables`);
const xmlOf = (name: string) => corpusFile(`${DIR}/${name}.xml`);
const apply = (xml: string) => core.networkFirewall(xml, FirewallForm.APPLY);
const remove = (xml: string) => core.networkFirewall(xml, FirewallForm.REMOVE);
const lines = (script: string) => script.split("\n").filter(Boolean);

/** libvirt's logged commands as argument lists (continuation lines joined, shell quotes removed). */
function commands(log: string): string[][] {
  return log
    .replace(/ \\\n/g, " ")
    .split("\n")
    .filter(Boolean)
    .map((line) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]));
}

/** Each rule as "FAMILY CHAIN-KIND words", from libvirt's commands or from a start script. */
function libvirtRules(xml: string): string[] {
  const log = core.networkFirewall(xml, FirewallForm.COMMANDS);
  return commands(log.slice(BASE.length)).map(([, , , , family, , chain, ...words]) => `${family} ${chain.replace("guest_", "")} ${words.join(" ")}`);
}

function scriptRules(script: string): string[] {
  return lines(script)
    .filter((l) => l.startsWith("insert rule") && / net_/.test(l))
    .map((l) => l.split(" "))
    .map(([, , family, , chain, ...words]) => `${family} ${chain.replace(/^net_virbr0_/, "")} ${words.join(" ").replace(/"/g, "")}`);
}

test("the start script has libvirt's rules, in libvirt's order, in the network's own chains", (t) => {
  for (const name of CASES) {
    const expected = libvirtRules(xmlOf(name));
    t.true(expected.length >= 3, name);
    t.deepEqual(scriptRules(apply(xmlOf(name))), expected, name);
  }
});

test("both scripts work in table virtkit_network only, in the families the network uses", (t) => {
  for (const name of CASES) {
    for (const script of [apply(xmlOf(name)), remove(xmlOf(name))]) {
      for (const line of lines(script)) t.regex(line, /^(add|insert|flush|delete) (table|chain|map|rule|element) (ip|ip6) virtkit_network( |$)/, `${name}: ${line}`);
      t.false(script.includes("libvirt_network"));
    }
  }
  t.false(apply(xmlOf("nat-default")).includes(" ip6 "), "an IPv4 network has no ip6 part");
  t.true(apply(xmlOf("nat-ipv6")).includes("add table ip6 virtkit_network\n"));
  t.true(apply(xmlOf("isolated")).includes("insert rule ip6 virtkit_network net_virbr0_cross iif \"virbr0\" oif \"virbr0\" counter accept\n"));
});

/** What a script makes or removes for the network: its chains and map elements. */
function networkPart(script: string, verbs: RegExp): string[] {
  return lines(script)
    .filter((l) => verbs.test(l) && (/ chain \S+ virtkit_network net_/.test(l) || / element /.test(l)))
    .map((l) => l.replace(/^\w+ /, "").replace(/ : jump \S+/, ""))
    .sort();
}

test("the destroy script deletes what the start added for the network, and nothing shared", (t) => {
  for (const name of CASES) {
    const start = apply(xmlOf(name));
    const destroy = remove(xmlOf(name));
    const added = networkPart(start, /^add /);
    t.true(added.length >= 6, name);
    t.deepEqual(networkPart(destroy, /^delete /), added, `${name}: deleted = added`);
    for (const line of lines(destroy).filter((l) => /^(delete|flush) /.test(l))) {
      t.regex(line, /^(delete|flush) chain \S+ virtkit_network net_virbr0_\w+$|^delete element \S+ virtkit_network \w+ \{ ("virbr0"|[0-9a-f.:]+\/\d+) \}$/, `${name}: ${line}`);
    }
    t.notRegex(destroy, /^(insert|add) rule /m, "the destroy adds no rules");
    t.notRegex(destroy, /^delete (table|map) /m);
  }
});

test("the shared chains' content is the same whichever network starts", (t) => {
  const shared = (script: string) => lines(script).filter((l) => / (forward|guest_\w+)( |$)/.test(l) && !/ net_/.test(l));
  t.deepEqual(shared(apply(xmlOf("route-default"))), shared(apply(xmlOf("nat-ipv6-masquerade"))).filter((l) => / ip /.test(l)));
  t.deepEqual(shared(apply(xmlOf("isolated"))), shared(apply(xmlOf("nat-ipv6-masquerade"))));
});

test("two networks' parts have nothing in common", (t) => {
  const a = xmlOf("nat-port-range-ipv6");
  const b = a.replace(/virbr0/g, "virbr1").replace(/192\.168\.1(22|28)/g, "10.0.$1").replace(/2001:db8:ca2:2/g, "2001:db8:ca2:3");
  const partA = networkPart(apply(a), /^add /);
  const partB = networkPart(apply(b), /^add /);
  t.is(partA.length, partB.length);
  t.deepEqual(partA.filter((x) => partB.includes(x)), []);
  t.true(remove(b).includes("delete chain ip virtkit_network net_virbr1_nat\n"));
  t.false(remove(b).includes("virbr0"));
});

const net = (forward: string, ips = "<ip address='192.168.122.1' netmask='255.255.255.0'/>", bridge = "<bridge name='virbr0'/>") =>
  `<network><name>n</name>${bridge}${forward}${ips}</network>`;

test("<nat><address> makes SNAT rules, with the port range for tcp and udp", (t) => {
  const xml = net("<forward mode='nat'><nat><address start='203.0.113.10' end='203.0.113.20'/><port start='2000' end='3000'/></nat></forward>");
  const rules = libvirtRules(xml);
  t.deepEqual(rules.filter((r) => r.includes("snat")), [
    "ip nat ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter snat to 203.0.113.10-203.0.113.20",
    "ip nat meta l4proto udp ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter snat to 203.0.113.10-203.0.113.20:2000-3000",
    "ip nat meta l4proto tcp ip saddr 192.168.122.0/24 ip daddr != 192.168.122.0/24 counter snat to 203.0.113.10-203.0.113.20:2000-3000",
  ]);
  t.deepEqual(scriptRules(apply(xml)), rules);
});

test("subnets of a network inside another of its own lead to its NAT chain once", (t) => {
  const xml = net("<forward/>", "<ip address='192.168.122.1' prefix='24'/><ip address='192.168.122.129' prefix='25'/><ip address='192.168.122.1' prefix='24'/>");
  t.is(libvirtRules(xml).filter((r) => r.includes("masquerade")).length, 9, "every <ip> has its rules");
  const start = apply(xml);
  t.deepEqual(lines(start).filter((l) => l.startsWith("add element") && l.includes("nat_sources")), ["add element ip virtkit_network nat_sources { 192.168.122.0/24 : jump net_virbr0_nat }"]);
  t.deepEqual(lines(remove(xml)).filter((l) => l.startsWith("delete element") && l.includes("nat_sources")), ["delete element ip virtkit_network nat_sources { 192.168.122.0/24 }"]);
});

test("<network ipv6='yes'> without IPv6 addresses gets the IPv6 catch-alls only", (t) => {
  const xml = net("<forward/>").replace("<network>", "<network ipv6='yes'>");
  t.deepEqual(libvirtRules(xml).filter((r) => r.startsWith("ip6 ")), ["ip6 output iif virbr0 counter reject", "ip6 input oif virbr0 counter reject", "ip6 cross iif virbr0 oif virbr0 counter accept"]);
  const start = apply(xml);
  t.true(start.includes("add chain ip6 virtkit_network net_virbr0_cross\n"));
  t.false(start.includes("ip6 virtkit_network net_virbr0_nat"), "no IPv6 subnet to NAT");
});

test("an open network has no firewall", (t) => {
  const xml = net("<forward mode='open'/>");
  for (const form of [FirewallForm.COMMANDS, FirewallForm.APPLY, FirewallForm.REMOVE]) t.is(core.networkFirewall(xml, form), "");
});

const INTERNAL_ERROR = 1;
const INVALID_ARG = 8;
const CONFIG_UNSUPPORTED = 67;
const FROM_NONE = 0;
const FROM_NETWORK = 19;

const refusals: [string, number, number, number, string][] = [
  [net("<forward mode='bridge'/>", "", "<bridge name='br0'/>"), FirewallForm.APPLY, CONFIG_UNSUPPORTED, FROM_NETWORK, "unsupported configuration: firewall rules are not made for network 'n' with forward mode='bridge'"],
  [net("<forward dev='eth0' mode='passthrough'/>", "", ""), FirewallForm.COMMANDS, CONFIG_UNSUPPORTED, FROM_NETWORK, "unsupported configuration: firewall rules are not made for network 'n' with forward mode='passthrough'"],
  [net("<forward/>", undefined, ""), FirewallForm.APPLY, INTERNAL_ERROR, FROM_NETWORK, "internal error: network 'n' has no bridge name: the firewall needs its live definition"],
  [net("<forward><nat><port start='500' end='500'/></nat></forward>"), FirewallForm.COMMANDS, INTERNAL_ERROR, FROM_NONE, "internal error: Invalid port range '500-500'."],
  [net("<forward mode='route'/>", "<ip address='10.0.0.1' netmask='255.0.255.0'/>"), FirewallForm.APPLY, INTERNAL_ERROR, FROM_NONE, "internal error: Invalid prefix or netmask for 'virbr0'"],
  [net("<forward/>", undefined, "<bridge name='vir br0'/>"), FirewallForm.APPLY, CONFIG_UNSUPPORTED, FROM_NETWORK, "unsupported configuration: interface name 'vir br0' of network 'n' cannot be used in nftables rules"],
  [net("<forward dev='eth\"0'/>"), FirewallForm.REMOVE, CONFIG_UNSUPPORTED, FROM_NETWORK, "unsupported configuration: interface name 'eth\"0' of network 'n' cannot be used in nftables rules"],
  [net("<forward/>"), 7, INVALID_ARG, FROM_NETWORK, "invalid argument: unknown firewall form 7"],
  [net("<forward mode='nat'/>", ""), FirewallForm.APPLY, 27, FROM_NETWORK, "XML error: nat forwarding requested, but no IP address provided for network 'n'"],
];

test("what has no firewall, or none virtkit can write, is refused with libvirt's codes; the core goes on", (t) => {
  const good = xmlOf("forward-dev");
  const before = apply(good);
  for (const [xml, form, code, domain, message] of refusals) {
    const e = t.throws(() => core.networkFirewall(xml, form), { instanceOf: VirtError }, message) as VirtError;
    t.is(e.message, message);
    t.is(e.code, code, message);
    t.is(e.domain, domain, message);
    t.is(apply(good), before);
  }
});

test("libvirt's commands shell-quote what a shell would split (a name virtkit's script refuses)", (t) => {
  const log = core.networkFirewall(net("<forward/>", undefined, "<bridge name='vir br0'/>"), FirewallForm.COMMANDS);
  t.true(log.includes("guest_cross \\\niif \\\n'vir br0' \\\noif \\\n'vir br0' \\\ncounter \\\naccept\n"));
});

test("mutated networks never trap the core in any form", (t) => {
  const docs = CASES.map((name) => xmlOf(name).replace(/"/g, "'"));
  const forms = [FirewallForm.COMMANDS, FirewallForm.APPLY, FirewallForm.REMOVE];
  const good = apply(xmlOf("nat-default"));
  let written = 0;
  fc.assert(
    fc.property(fc.nat(docs.length - 1), fc.nat(2), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, f, muts) => {
      try {
        core.networkFirewall(mutate(docs[i], muts as Mutation[]), forms[f]);
        written++;
      } catch (e) {
        if (!(e instanceof VirtError) || e.message.includes("core.wasm aborted") || !(e.code > 0 && e.message.length > 0)) throw e;
      }
      if (apply(xmlOf("nat-default")) !== good) throw new Error("the core changed behaviour after an error");
    }),
    { numRuns: 1000, seed: 0x6e7 },
  );
  t.log(`${written} of 1000 mutants written`);
  t.true(written > 100);
});
