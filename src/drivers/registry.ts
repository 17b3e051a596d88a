// Connection URIs to drivers (libvirt's virConnectOpen driver probing): test:///, lxc:/// and
// kvm:/// are built in; any other URI would go to a libvirt daemon, which virtkit has not yet.
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import type { HypervisorDriver } from "./driver.js";
import { TestDriver } from "./test.js";

export async function openDriver(uri: string): Promise<HypervisorDriver> {
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
  // libvirt hands URIs no local driver claims to its daemon; there is none to reach.
  throw new VirtError(
    ErrorNumber.VIR_ERR_SYSTEM_ERROR,
    ErrorDomain.VIR_FROM_RPC,
    "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory",
  );
}
