// Connection URIs to drivers (libvirt's virConnectOpen driver probing): test:///, lxc:/// and
// kvm:/// are built in; a URI with a transport or a host (qemu+ssh://host/system,
// test+unix:///default?socket=…) goes to the remote driver; no other URI has a driver.
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import type { HypervisorDriver } from "./driver.js";
import { TestDriver } from "./test.js";
import { parseRemoteURI } from "./remote/uri.js";

export async function openDriver(uri: string, readOnly = false): Promise<HypervisorDriver> {
  // a transport or a host names a libvirt daemon: virtkitd, or libvirtd on this or another node
  const remote = parseRemoteURI(uri);
  if (remote) {
    const { RemoteDriver } = await import("./remote/driver.js");
    return RemoteDriver.open(uri, remote, readOnly);
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/.exec(uri);
  if (m && m[1] === "test" && m[2] === "") return TestDriver.open(uri, m[3] ?? "");
  if (m && m[1] === "lxc" && m[2] === "" && (m[3] === undefined || m[3] === "/" || m[3] === "/system")) {
    // Loaded on demand: the test driver and the command line's start-up never pay for it.
    const { LxcDriver } = await import("./lxc.js");
    return LxcDriver.open(uri);
  }
  if (m && m[1] === "kvm" && m[2] === "" && (m[3] === undefined || m[3] === "/" || m[3] === "/system")) {
    const { KvmDriver } = await import("./kvm.js");
    return KvmDriver.open(uri);
  }
  // libvirt hands URIs no local driver claims to its daemon, which answers this; virtkit has no
  // daemon to hand them to (a libvirt without one says it too).
  throw new VirtError(ErrorNumber.VIR_ERR_NO_CONNECT, ErrorDomain.VIR_FROM_NONE, `no connection driver available for ${uri}`);
}
