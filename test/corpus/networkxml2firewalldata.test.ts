// libvirt's networkxml2firewall suite, nftables half (tests/networkxml2firewalltest.c): the nft
// commands libvirt 10.7 runs for a network, byte for byte as its dry run logs them. libvirt's test
// strips the one-time setup of its table (base.nftables) from the front of the first case's log;
// here every case's output starts with it, followed by that case's expected file.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { FirewallForm } from "../../src/host/core-abi.gen.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { corpusFile } from "./corpus.js";

const core = new Core(coreModule(), new MockCoreImports(0));
const DIR = "tests/networkxml2firewalldata";
const BASE = corpusFile(`${DIR}/base.nftables`);

/** The test program's DO_TEST list (forward-dev is listed twice there). */
const CASES = [
  "nat-default",
  "nat-tftp",
  "nat-many-ips",
  "nat-no-dhcp",
  "nat-ipv6",
  "nat-ipv6-masquerade",
  "route-default",
  "forward-dev",
  "isolated",
  "nat-port-range",
  "nat-port-range-ipv6",
];

for (const name of CASES) {
  test(`networkxml2firewall nftables ${name}`, (t) => {
    const out = core.networkFirewall(corpusFile(`${DIR}/${name}.xml`), FirewallForm.COMMANDS);
    t.is(out, BASE + corpusFile(`${DIR}/${name}-linux.nftables`));
  });
}
