// Connection URIs to drivers (libvirt's virConnectOpen driver probing). Only test:/// is
// built in so far; any other URI would go to a libvirt daemon, which virtkit has not yet.
import { ErrorDomain, ErrorNumber, VirtError } from "../errors.js";
import type { HypervisorDriver } from "./driver.js";
import { TestDriver } from "./test.js";

export function openDriver(uri: string): HypervisorDriver {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/.exec(uri);
  if (m && m[1] === "test" && m[2] === "") return TestDriver.open(uri, m[3] ?? "");
  // libvirt hands URIs no local driver claims to its daemon; there is none to reach.
  throw new VirtError(
    ErrorNumber.VIR_ERR_SYSTEM_ERROR,
    ErrorDomain.VIR_FROM_RPC,
    "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory",
  );
}
