// The public API's checks in front of any driver (libvirt's src/libvirt-domain.c): operations a
// driver does not implement report VIR_ERR_NO_SUPPORT.
import test from "ava";
import { Connection } from "../src/connection.js";
import { ErrorNumber, VirtError } from "../src/index.js";
import type { HypervisorDriver } from "../src/drivers/driver.js";

/** A driver implementing nothing but the mandatory members. */
const bareDriver: HypervisorDriver = {
  type: "BARE",
  uri: "bare:///",
  subscribe: () => () => undefined,
  close: () => undefined,
};

test("an operation the driver lacks is VIR_ERR_NO_SUPPORT, named after libvirt's API", async (t) => {
  const conn = new Connection("bare:///", bareDriver, false);
  for (const [api, op] of [
    ["virConnectGetCapabilities", () => conn.getCapabilities()],
    ["virDomainDefineXML", () => conn.defineXML("<domain/>")],
    ["virConnectListAllDomains", () => conn.listAllDomains()],
  ] as [string, () => Promise<unknown>][]) {
    const e = (await t.throwsAsync(op(), { instanceOf: VirtError })) as VirtError;
    t.is(e.code, ErrorNumber.VIR_ERR_NO_SUPPORT);
    t.is(e.message, `this function is not supported by the connection driver: ${api}`);
  }
  t.is(await conn.getType(), "BARE", "what the connection knows itself still works");
});

test("instanceof VirtError holds for a VirtError of another copy of virtkit, and for no other error", (t) => {
  // the command line's lxc/kvm drivers are a bundle of their own, with their own VirtError class
  const foreign = Object.defineProperty(new Error("elsewhere"), Symbol.for("virtkit.VirtError"), { value: true });
  t.true(foreign instanceof VirtError);
  t.true(new VirtError(1, 0, "here") instanceof VirtError);
  t.false(new Error("plain") instanceof VirtError);
  const nothing: unknown = null; // instanceof on a value TypeScript would reject outright
  t.false(nothing instanceof VirtError);
});
