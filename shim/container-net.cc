// rtnetlink requests for a container's links (container-net.h): each builds one message, sends it
// and returns the kernel's acknowledgement.
#include "container-net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

namespace containernet {
namespace {

/** One rtnetlink request: a header, a fixed part, attributes (nested ones closed with end()). */
struct Request {
  alignas(NLMSG_ALIGNTO) char buf[1024];
  nlmsghdr *h;

  Request(uint16_t type, uint16_t flags) {
    memset(buf, 0, sizeof buf);
    h = reinterpret_cast<nlmsghdr *>(buf);
    h->nlmsg_len = NLMSG_LENGTH(0);
    h->nlmsg_type = type;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  }

  void *put(const void *data, size_t len) {
    char *at = buf + NLMSG_ALIGN(h->nlmsg_len);
    if (len > 0) memcpy(at, data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + len;
    return at;
  }

  rtattr *attr(uint16_t type, const void *data, size_t len) {
    rtattr *a = reinterpret_cast<rtattr *>(buf + NLMSG_ALIGN(h->nlmsg_len));
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    if (len > 0) memcpy(RTA_DATA(a), data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
  }

  rtattr *text(uint16_t type, const char *s) { return attr(type, s, strlen(s) + 1); }
  rtattr *begin(uint16_t type) { return attr(type, nullptr, 0); }
  void end(rtattr *a) { a->rta_len = (unsigned short)(buf + h->nlmsg_len - reinterpret_cast<char *>(a)); }
};

/** Sends the request; the kernel's answer: 0 or -errno. */
int talk(Request &r) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -errno;
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  int rc = 0;
  if (sendto(fd, r.buf, r.h->nlmsg_len, 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel) < 0) {
    rc = -errno;
  } else {
    alignas(NLMSG_ALIGNTO) char reply[4096];
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    const nlmsghdr *h = reinterpret_cast<const nlmsghdr *>(reply);
    if (n < 0) rc = -errno;
    else if (n >= (ssize_t)NLMSG_LENGTH(sizeof(nlmsgerr)) && h->nlmsg_type == NLMSG_ERROR) rc = reinterpret_cast<const nlmsgerr *>(NLMSG_DATA(h))->error;
    else rc = -EPROTO;
  }
  close(fd);
  return rc;
}

bool parseMac(const char *text, unsigned char mac[6]) {
  unsigned v[6];
  if (sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return false;
  for (int i = 0; i < 6; i++) mac[i] = (unsigned char)v[i];
  return true;
}

/** "address/prefix" → family, bytes and prefix length; false when it is not one. */
bool parseCidr(const char *cidr, int &family, unsigned char addr[16], int &prefix) {
  char copy[64];
  if (strlen(cidr) >= sizeof copy) return false;
  strcpy(copy, cidr);
  char *slash = strchr(copy, '/');
  family = strchr(copy, ':') ? AF_INET6 : AF_INET;
  prefix = family == AF_INET ? 32 : 128;
  if (slash) {
    *slash = 0;
    prefix = atoi(slash + 1);
  }
  return inet_pton(family, copy, addr) == 1;
}

/** A link's index by name, or -errno. */
int indexOf(const char *name) {
  unsigned index = if_nametoindex(name);
  return index ? (int)index : -errno;
}

}  // namespace

int createVeth(const char *host, const char *guest, const char *mac, pid_t nsPid) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifinfomsg link = {};
  link.ifi_family = AF_UNSPEC;
  r.put(&link, sizeof link);
  r.text(IFLA_IFNAME, host);
  rtattr *info = r.begin(IFLA_LINKINFO);
  r.text(IFLA_INFO_KIND, "veth");
  rtattr *data = r.begin(IFLA_INFO_DATA);
  rtattr *peer = r.begin(VETH_INFO_PEER);
  r.put(&link, sizeof link);
  r.text(IFLA_IFNAME, guest);
  unsigned char bytes[6];
  if (mac[0]) {
    if (!parseMac(mac, bytes)) return -EINVAL;
    r.attr(IFLA_ADDRESS, bytes, 6);
  }
  uint32_t pid = (uint32_t)nsPid;
  r.attr(IFLA_NET_NS_PID, &pid, sizeof pid);
  r.end(peer);
  r.end(data);
  r.end(info);
  return talk(r);
}

int attachUp(const char *name, const char *bridge) {
  int index = indexOf(name);
  if (index < 0) return index;
  Request r(RTM_NEWLINK, 0);
  ifinfomsg link = {};
  link.ifi_family = AF_UNSPEC;
  link.ifi_index = index;
  link.ifi_flags = IFF_UP;
  link.ifi_change = IFF_UP;
  r.put(&link, sizeof link);
  if (bridge[0]) {
    int master = indexOf(bridge);
    if (master < 0) return master;
    uint32_t m = (uint32_t)master;
    r.attr(IFLA_MASTER, &m, sizeof m);
  }
  return talk(r);
}

int linkUp(const char *name) {
  return attachUp(name, "");
}

int addAddress(const char *name, const char *cidr) {
  int index = indexOf(name);
  if (index < 0) return index;
  int family, prefix;
  unsigned char addr[16];
  if (!parseCidr(cidr, family, addr, prefix)) return -EINVAL;
  size_t len = family == AF_INET ? 4 : 16;
  Request r(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifaddrmsg a = {};
  a.ifa_family = (unsigned char)family;
  a.ifa_prefixlen = (unsigned char)prefix;
  a.ifa_scope = RT_SCOPE_UNIVERSE;
  a.ifa_index = (unsigned)index;
  r.put(&a, sizeof a);
  r.attr(IFA_LOCAL, addr, len);
  r.attr(IFA_ADDRESS, addr, len);
  if (family == AF_INET && prefix < 31) {
    uint32_t v;
    memcpy(&v, addr, 4);
    uint32_t mask = prefix == 0 ? 0 : htonl(0xffffffffu << (32 - prefix));
    uint32_t broadcast = v | ~mask;
    r.attr(IFA_BROADCAST, &broadcast, 4);
  }
  return talk(r);
}

int addRoute(const char *name, const char *cidr, const char *gateway) {
  int index = indexOf(name);
  if (index < 0) return index;
  int family, prefix, gatewayFamily, unused;
  unsigned char dest[16], via[16];
  if (!parseCidr(cidr, family, dest, prefix) || !parseCidr(gateway, gatewayFamily, via, unused) || family != gatewayFamily) return -EINVAL;
  size_t len = family == AF_INET ? 4 : 16;
  Request r(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  rtmsg rt = {};
  rt.rtm_family = (unsigned char)family;
  rt.rtm_dst_len = (unsigned char)prefix;
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_protocol = RTPROT_BOOT;
  rt.rtm_scope = RT_SCOPE_UNIVERSE;
  rt.rtm_type = RTN_UNICAST;
  r.put(&rt, sizeof rt);
  if (prefix > 0) r.attr(RTA_DST, dest, len);
  r.attr(RTA_GATEWAY, via, len);
  uint32_t oif = (uint32_t)index;
  r.attr(RTA_OIF, &oif, sizeof oif);
  return talk(r);
}

}  // namespace containernet
