// The test driver's API suite through the remote driver and virtkitd (in this process, on a
// private socket): the same Connection API, answered over libvirt's protocol.
import test from "ava";
import { join } from "node:path";
import { openConnection } from "../../src/index.js";
import { Daemon } from "../../src/daemon/server.js";
import { testDriverSuite } from "../drivers/test-driver-suite.js";
import { tempDir } from "../support/temp.js";

const socketDir = tempDir("vkd");
const viaSocket = (uri: string) => uri.replace(/^test:\/\//, "test+unix://") + `?socket=${join(socketDir, "libvirt-sock")}`;
let daemon: Daemon;
test.before(async () => {
  daemon = await Daemon.start({ socketDir });
});
test.after.always(() => daemon.stop());

testDriverSuite({
  open: (uri, options) => openConnection(uri.startsWith("test:") ? viaSocket(uri) : uri, options),
  uriOf: viaSocket,
  differences: new Map([
    ["the test driver reaches the host only through the mock shim, which simulates the clock", "the remote driver's host is a socket: there is no shim on the client side"],
  ]),
});
