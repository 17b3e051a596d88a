// libvirt's networkxml2xml suite (tests/networkxml2xmltest.c): network XML parsed and written back
// in libvirt's canonical form, byte for byte, and the documents libvirt refuses refused with its
// words. The cases are those the test program lists whose files the corpus holds.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { VirtError } from "../../src/errors.js";
import { corpusFile } from "./corpus.js";

const INACTIVE = 1;
const core = new Core(coreModule(), new MockCoreImports(0));

/** DO_TEST and DO_TEST_FLAGS(…, VIR_NETWORK_XML_INACTIVE). */
const ROUND_TRIPS: [string, number][] = [
  ["dhcp6host-routed-network", 0],
  ["empty-allow-ipv6", 0],
  ["isolated-network", 0],
  ["routed-network", 0],
  ["routed-network-no-dns", 0],
  ["open-network", 0],
  ["nat-network", 0],
  ["netboot-network", 0],
  ["netboot-proxy-network", 0],
  ["netboot-tftp", 0],
  ["nat-network-dns-txt-record", 0],
  ["nat-network-dns-srv-record", 0],
  ["nat-network-dns-srv-record-minimal", 0],
  ["nat-network-dns-hosts", 0],
  ["nat-network-dns-forward-plain", 0],
  ["nat-network-dns-forwarders", 0],
  ["nat-network-dns-forwarder-no-resolv", 0],
  ["nat-network-forward-nat-address", 0],
  ["nat-network-forward-nat-no-address", 0],
  ["nat-network-mtu", 0],
  ["8021Qbh-net", 0],
  ["direct-net", 0],
  ["host-bridge-net", 0],
  ["vepa-net", 0],
  ["openvswitch-net", 0],
  ["passthrough-pf", INACTIVE],
  ["hostdev", 0],
  ["hostdev-pf", INACTIVE],
  ["hostdev-pf-driver-model", INACTIVE],
  ["passthrough-address-crash", 0],
  ["nat-network-explicit-flood", 0],
  ["host-bridge-no-flood", 0],
  ["metadata", 0],
  ["dnsmasq-options", 0],
  ["leasetime-seconds", 0],
  ["leasetime-hours", 0],
  ["leasetime-infinite", 0],
];

/** DO_TEST_PARSE_ERROR, with the error libvirt reports. */
const PARSE_ERRORS: [string, string][] = [
  ["routed-network-no-dns-extra-elements", "XML error: Extra data in disabled network 'local'"],
  ["open-network-with-forward-dev", "XML error: forward dev not allowed for network 'open' with forward mode='open'"],
  ["hostdev-duplicate", "XML error: PCI device '0000:03:00.3' can only be listed once in network hostdev"],
  ["passthrough-duplicate", "XML error: interface 'eth3' can only be listed once in network passthrough-duplicate"],
];

for (const [name, flags] of ROUND_TRIPS) {
  test(`networkxml2xml ${name}`, (t) => {
    const input = corpusFile(`tests/networkxml2xmlin/${name}.xml`);
    t.is(core.networkCanonicalize(input, flags), corpusFile(`tests/networkxml2xmlout/${name}.xml`));
  });
}

for (const [name, message] of PARSE_ERRORS) {
  test(`networkxml2xml ${name} fails to parse`, (t) => {
    const e = t.throws(() => core.networkCanonicalize(corpusFile(`tests/networkxml2xmlin/${name}.xml`), 0), { instanceOf: VirtError }) as VirtError;
    t.is(e.message, message);
    t.is(e.code, 27, "VIR_ERR_XML_ERROR");
    t.is(e.domain, 19, "VIR_FROM_NETWORK");
  });
}
