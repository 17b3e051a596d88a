// The test driver's API suite through virtkit's remote driver against libvirt's own libvirtd
// (its built-in test driver, on a private socket): the same calls a local virtkit connection
// answers. Where libvirt's test driver answers otherwise, the suite's test is left out here and
// the reason is written in LIBVIRT_TEST_DRIVER_DIFFERENCES, the one place they are kept.
import test from "ava";
import { openConnection } from "../../src/index.js";
import { testDriverSuite } from "../drivers/test-driver-suite.js";
import { libvirtdPath, startLibvirtd, type PrivateLibvirtd } from "../support/libvirtd.js";
import { LIBVIRT_TEST_DRIVER_DIFFERENCES } from "./libvirtd-differences.js";

let libvirtd: PrivateLibvirtd | undefined;
test.before(async () => {
  if (libvirtdPath) libvirtd = await startLibvirtd();
});
test.after.always(() => libvirtd?.stop());

const viaSocket = (uri: string) => `${uri.replace(/^test:\/\//, "test+unix://")}?socket=${libvirtd!.socket}`;

if (!libvirtdPath) test.skip("the test driver's API suite against libvirtd — skipped: needs Debian's libvirtd (libvirt-daemon)", () => {});
else {
  testDriverSuite({
    open: (uri, options) => openConnection(uri.startsWith("test:") ? viaSocket(uri) : uri, options),
    uriOf: viaSocket,
    differences: LIBVIRT_TEST_DRIVER_DIFFERENCES,
  });
}
