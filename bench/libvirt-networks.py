# libvirt's network driver, timed as bench/networks.ts times virtkit's: net-start of a NAT network
# like libvirt's default until its dnsmasq answers DHCP (with and without STP), net-destroy, and
# a container with one interface on it (libvirt's LXC driver), start and destroy. Run by
# bench/run.ts under `unshare --net --mount` as root: libvirtd runs here on throwaway state
# (tmpfs over its directories) in this network namespace, and is stopped at the end. Needs
# Debian's libvirt-daemon and libvirt-daemon-driver-lxc, and python3-libvirt (/usr/bin/python3).
# Prints "RESULT {json}".
import json
import os
import subprocess
import sys
import time

import libvirt

ROUNDS = int(os.environ.get("VIRTKIT_BENCH_NET_ROUNDS", "10"))
BUSYBOX = sys.argv[1] if len(sys.argv) > 1 else ""
NAT = "<network><name>default</name><forward mode='nat'/><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>"


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def median(values):
    return sorted(values)[len(values) // 2]


def cycle(conn, xml):
    net = conn.networkDefineXML(xml)
    bridge = net.bridgeName()
    starts, answered, destroys = [], [], []
    for i in range(ROUNDS + 1):
        t = time.perf_counter()
        net.create()
        started = (time.perf_counter() - t) * 1000
        dhcp = None
        if BUSYBOX:
            sh("ip", "link", "set", "vkbc0", "master", bridge, "up")
            sh("ip", "link", "set", "vkbc1", "up")
            r = subprocess.run([BUSYBOX, "udhcpc", "-i", "vkbc1", "-n", "-q", "-f", "-t", "20", "-T", "1", "-s", "/bin/true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r.returncode == 0:
                dhcp = (time.perf_counter() - t) * 1000
        d = time.perf_counter()
        net.destroy()
        destroyed = (time.perf_counter() - d) * 1000
        if i == 0:
            continue
        starts.append(started)
        answered.append(dhcp)
        destroys.append(destroyed)
    net.undefine()
    return {"start": median(starts), "dhcp": None if None in answered else median(answered), "destroy": median(destroys)}


DRIVERS = "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver"


def containerOnNetwork(conn):
    """A container with one interface on the network: start and destroy medians, or why libvirt could not."""
    net = conn.networkDefineXML(NAT)
    net.create()
    try:
        dom = conn.defineXML("<domain type='lxc'><name>bench-if</name><memory unit='MiB'>64</memory><os><type>exe</type><init>/bin/sh</init></os><devices><interface type='network'><source network='default'/></interface><console type='pty'/></devices></domain>")
        try:
            starts, destroys = [], []
            for i in range(12):
                t = time.perf_counter()
                dom.create()
                started = (time.perf_counter() - t) * 1000
                t = time.perf_counter()
                dom.destroy()
                destroyed = (time.perf_counter() - t) * 1000
                if i >= 2:
                    starts.append(started)
                    destroys.append(destroyed)
            return {"containerStartMs": median(starts), "containerDestroyMs": median(destroys)}
        finally:
            dom.undefine()
    except libvirt.libvirtError as e:
        return {"containerError": str(e)}
    finally:
        net.destroy()
        net.undefine()


def private_host():
    """This mount namespace's own view: libvirtd's state on tmpfs, only the LXC and network drivers
    loaded (the QEMU one wants its user), and the user Debian's dnsmasq configuration names."""
    for d in ["/run/libvirt", "/var/lib/libvirt", "/etc/libvirt/qemu", "/etc/libvirt/lxc", "/var/log/libvirt", "/var/cache/libvirt"]:
        os.makedirs(d, exist_ok=True)
        sh("mount", "-t", "tmpfs", "tmpfs", d)
    keep = "/run/libvirt/bench-drivers"
    os.makedirs(keep)
    for so in ["libvirt_driver_lxc.so", "libvirt_driver_network.so"]:
        sh("cp", os.path.join(DRIVERS, so), keep)
    sh("mount", "--bind", keep, DRIVERS)
    for name, line in [("passwd", "libvirt-dnsmasq:x:64055:64055::/var/lib/libvirt/dnsmasq:/usr/sbin/nologin\n"), ("group", "libvirt-dnsmasq:x:64055:\n")]:
        copy = "/run/libvirt/bench-" + name
        with open("/etc/" + name) as src, open(copy, "w") as dst:
            dst.write(src.read() + line)
        sh("mount", "--bind", copy, "/etc/" + name)


def main():
    private_host()
    sh("ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "vkbc0", "type", "veth", "peer", "name", "vkbc1")
    daemon = subprocess.Popen(["/usr/sbin/libvirtd", "--pid-file", "/run/libvirt/bench-libvirtd.pid"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if os.path.exists("/run/libvirt/libvirt-sock"):
                break
            time.sleep(0.05)
        conn = libvirt.open("lxc:///system")
        stp = cycle(conn, NAT)
        no_stp = cycle(conn, NAT.replace("<forward", "<bridge stp='off'/><forward"))
        container = containerOnNetwork(conn)
        conn.close()
        print("RESULT " + json.dumps({"startMs": stp["start"], "dhcpMs": stp["dhcp"], "destroyMs": stp["destroy"], "dhcpNoStpMs": no_stp["dhcp"], **container}))
    finally:
        daemon.terminate()
        daemon.wait()


main()
