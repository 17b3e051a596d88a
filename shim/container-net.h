// A container's network links, for the supervisor (virtkit-lxc-supervisor), over rtnetlink: the
// veth pair of an <interface> (its inside end made directly in init's network namespace, named
// and addressed as the plan says), the outside end on a bridge and up; inside, a link up, an
// address, a route. Each function is one request and its acknowledgement: 0, or -errno. What to
// make, with which names and addresses, is the plan's (core.wasm's) decision.
#pragma once
#include <sys/types.h>

namespace containernet {

/** A veth pair: `host` in this namespace, `guest` (with MAC `mac`, "" for the kernel's) in pid's. */
int createVeth(const char *host, const char *guest, const char *mac, pid_t nsPid);

/** Puts link `name` on bridge `bridge` ("" for none) and brings it up. */
int attachUp(const char *name, const char *bridge);

/** Brings link `name` up. */
int linkUp(const char *name);

/** Adds address `cidr` ("192.168.122.5/24", "fd00::5/64") to link `name`. */
int addAddress(const char *name, const char *cidr);

/** Adds a route to `cidr` through `gateway` on link `name`. */
int addRoute(const char *name, const char *cidr, const char *gateway);

}  // namespace containernet
