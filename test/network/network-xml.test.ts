// Network XML beyond libvirt's own corpus: the errors a user meets first (libvirt's codes and
// words), the defaults libvirt fills in, and a core that stays usable after any of them.
import test from "ava";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CORPUS_DIR } from "../corpus/corpus.js";
import { fixturePath } from "../support/fixtures.js";
import { mutate, mutation, type Mutation } from "../support/xml-mutations.js";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { VirtError } from "../../src/errors.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const XML_ERROR = 27;
const INTERNAL_ERROR = 1;
const CONFIG_UNSUPPORTED = 67;
const NO_NAME = 21;

const nat = (ip: string, extra = "") => `<network><name>default</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid><forward mode='nat'/><bridge name='virbr0'/>${extra}${ip}</network>`;

test("libvirt's default network comes out as libvirt writes it", (t) => {
  const xml = nat("<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>").replace("81ff0d90-c91e-6742-64da-4a736edb9a9b", "dd8fe884-6c02-601e-7551-cca97df1c5df");
  t.is(core.networkCanonicalize(xml, 0), readFileSync(fixturePath("networks", "default-canonical.xml"), "utf8"));
});

test("a network without a UUID gets one; a lease without a unit is in minutes", (t) => {
  const out = core.networkCanonicalize("<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'><lease expiry='5'/></range></dhcp></ip></network>", 0);
  t.regex(out, /<uuid>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}<\/uuid>/);
  t.regex(out, /<lease expiry='5' unit='minutes'\/>/);
  t.regex(out, /<bridge stp='on' delay='0'\/>/, "an isolated network's bridge, named when it starts");
});

const refusals: [string, number, string][] = [
  ["<network><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid></network>", NO_NAME, "missing name information"],
  ["<network><name>a/b</name></network>", 35, "invalid char in name: /"],
  ["<network><name>n</name><uuid>not-a-uuid</uuid></network>", INTERNAL_ERROR, "internal error: malformed uuid element"],
  ["<network><name>n</name><forward mode='tunnel'/></network>", CONFIG_UNSUPPORTED, "unsupported configuration: unknown forwarding type 'tunnel'"],
  [nat("<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.123.2' end='192.168.123.254'/></dhcp></ip>"), INTERNAL_ERROR, "internal error: range 192.168.123.2 - 192.168.123.254 is not entirely within network 192.168.122.1/24"],
  [nat("<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.200' end='192.168.122.100'/></dhcp></ip>"), INTERNAL_ERROR, "internal error: range 192.168.122.200 - 192.168.122.100 is reversed "],
  [nat("<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.255'/></dhcp></ip>"), INTERNAL_ERROR, "internal error: end of range 192.168.122.2 - 192.168.122.255 in network 192.168.122.1/24 is the broadcast address"],
  [nat("<ip address='192.168.122.300' netmask='255.255.255.0'/>"), XML_ERROR, "XML error: Invalid address '192.168.122.300' in network 'default'"],
  [nat("<ip address='fd00::1' prefix='64'/>"), CONFIG_UNSUPPORTED, "unsupported configuration: no family specified for non-IPv4 address 'fd00::1' in network 'default'"],
  [nat(""), XML_ERROR, "XML error: nat forwarding requested, but no IP address provided for network 'default'"],
  [nat("<ip address='10.0.0.1' prefix='24'><dhcp><host mac='01:00:00:00:00:01' ip='10.0.0.5'/></dhcp></ip>"), XML_ERROR, "XML error: expected unicast mac address, found multicast '01:00:00:00:00:01' in network 'default'"],
  [nat("<ip address='10.0.0.1' prefix='24'/>", "<mtu size='big'/>"), XML_ERROR, "XML error: Invalid mtu size 'big' in network 'default'"],
  ["<network><name>b</name><forward mode='bridge'/><bridge name='br0' stp='on'/></network>", XML_ERROR, "XML error: bridge delay/stp/zone options only allowed in route, nat, and isolated mode, not in bridge (network 'b')"],
  [nat("<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'><lease expiry='1'/></range></dhcp></ip>"), CONFIG_UNSUPPORTED, "unsupported configuration: The minimum lease time should be greater than 2 minutes"],
  [nat("<ip address='10.0.0.1' prefix='24'/><route address='192.168.9.0' prefix='24' gateway='10.1.0.9'/>"), CONFIG_UNSUPPORTED, "unsupported configuration: unreachable static route gateway '10.1.0.9' specified for network 'default'"],
  ["<domain><name>x</name></domain>", XML_ERROR, "XML error: expecting root element of 'network', not 'domain'"],
];

test("what libvirt refuses is refused with its code and words, and the core goes on", (t) => {
  const good = nat("<ip address='192.168.122.1' netmask='255.255.255.0'/>");
  const before = core.networkCanonicalize(good, 0);
  for (const [xml, code, message] of refusals) {
    const e = t.throws(() => core.networkCanonicalize(xml, 0), { instanceOf: VirtError }, message) as VirtError;
    t.is(e.message, message);
    t.is(e.code, code, message);
    t.is(core.networkCanonicalize(good, 0), before);
  }
});

test("IPv6 addresses are written back as getnameinfo writes them", (t) => {
  const out = core.networkCanonicalize(
    "<network><name>v6</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid><ip family='ipv6' address='2001:DB8:0:0:0:0:0:1' prefix='64'><dhcp><range start='2001:db8::100' end='2001:db8::1ff'/></dhcp></ip></network>",
    0,
  );
  t.regex(out, /<ip family='ipv6' address='2001:db8::1' prefix='64'>/);
  t.regex(out, /<range start='2001:db8::100' end='2001:db8::1ff'\/>/);
});

test("mutated corpus networks never trap the core; what it takes is a fixed point", (t) => {
  const dir = join(CORPUS_DIR, "tests", "networkxml2xmlin");
  const docs = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
  const good = nat("<ip address='192.168.122.1' netmask='255.255.255.0'/>");
  const goodOut = core.networkCanonicalize(good, 0);
  let accepted = 0;
  fc.assert(
    fc.property(fc.nat(docs.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, muts) => {
      let out: string | undefined;
      try {
        out = core.networkCanonicalize(mutate(docs[i], muts as Mutation[]), 0);
        accepted++;
      } catch (e) {
        if (!(e instanceof VirtError) || e.message.includes("core.wasm aborted") || !(e.code > 0 && e.message.length > 0)) throw e;
      }
      if (out !== undefined && core.networkCanonicalize(out, 0) !== out) throw new Error(`not a fixed point:\n${out}`);
      if (core.networkCanonicalize(good, 0) !== goodOut) throw new Error("the core changed behaviour after an error");
    }),
    { numRuns: 1500, seed: 0x2e7 },
  );
  t.log(`${accepted} of 1500 mutants accepted`);
  t.true(accepted > 200);
});
