// Where libvirt 9.0's own test driver (in libvirtd) answers the test driver's API suite otherwise
// than virtkit's: each left-out test of test/drivers/test-driver-suite.ts, and why. virtkit's test
// driver follows libvirt's real drivers where libvirt's test driver departs from them (issue 3).
export const LIBVIRT_TEST_DRIVER_DIFFERENCES: ReadonlyMap<string, string> = new Map([
  ["the test driver reaches the host only through the mock shim, which simulates the clock", "virtkit's own shim: libvirtd is reached through a socket"],
  [
    "invalid transitions fail with the real drivers' wording",
    "libvirt's test driver says \"internal error: domain 'X' not running\" (VIR_ERR_INTERNAL_ERROR) for suspend/shutdown of an inactive domain, and refuses to suspend a paused one; qemu and lxc say \"Requested operation is not valid: domain is not running\" and suspend a paused domain silently",
  ],
  ["transient domains: create runs them, stopping removes them, undefine is refused", "libvirt's test driver undefines a running transient domain (it keeps running); its real drivers refuse: \"cannot undefine transient domain\""],
  ["scheduler parameters are typed, validated, and live/config", "libvirt's test driver accepts a new weight and goes on reporting its fixed weight of 50"],
  ["test:///PATH loads libvirt's example node", "libvirt lists a node file's inactive domains in its hash table's order (fc5 before fc4); virtkit in the file's order"],
]);
