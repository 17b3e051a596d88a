// libvirt's networkxml2conf suite (tests/networkxml2conftest.c): the dnsmasq configuration and
// the DHCP hosts file libvirt's network driver writes for a network, byte for byte. libvirt's
// test puts the hosts files under /var/lib/libvirt/dnsmasq and passes no pid file; a case has a
// .hostsfile when its network has DHCP hosts, and none is expected otherwise. The cases are those
// the test program lists whose files the corpus holds (leasetime-minutes is not in it).
import test from "ava";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { CORPUS_DIR, corpusFile } from "./corpus.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const STATE_DIR = "/var/lib/libvirt/dnsmasq";

/** DO_TEST, in the test program's order. */
const CASES = [
  "isolated-network",
  "netboot-network",
  "netboot-proxy-network",
  "netboot-tftp",
  "nat-network-dns-srv-record-minimal",
  "nat-network-name-with-quotes",
  "routed-network",
  "routed-network-no-dns",
  "open-network",
  "nat-network",
  "nat-network-dns-txt-record",
  "nat-network-dns-srv-record",
  "nat-network-dns-hosts",
  "nat-network-dns-forward-plain",
  "nat-network-dns-forwarders",
  "nat-network-dns-forwarder-no-resolv",
  "nat-network-dns-local-domain",
  "nat-network-mtu",
  "dhcp6-network",
  "dhcp6-nat-network",
  "dhcp6host-routed-network",
  "ptr-domains-auto",
  "dnsmasq-options",
  "leasetime-seconds",
  "leasetime-hours",
  "leasetime-infinite",
];

for (const name of CASES) {
  test(`networkxml2conf ${name}`, (t) => {
    const base = `tests/networkxml2confdata/${name}`;
    const files = core.networkDnsmasqConfig(corpusFile(`${base}.xml`), STATE_DIR, "");
    t.is(files.conf, corpusFile(`${base}.conf`));
    const hostsfile = existsSync(join(CORPUS_DIR, `${base}.hostsfile`)) ? corpusFile(`${base}.hostsfile`) : "";
    t.is(files.hostsfile, hostsfile);
  });
}

test("every case in the corpus is run", (t) => {
  const inCorpus = readdirSync(join(CORPUS_DIR, "tests/networkxml2confdata")).filter((f) => f.endsWith(".xml"));
  t.deepEqual(inCorpus.map((f) => f.slice(0, -4)).sort(), [...CASES].sort());
});
