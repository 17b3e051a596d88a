#!/usr/bin/python3
# libvirt's side of the domain benchmark, on its test:///default driver (run with Debian's
# /usr/bin/python3). Prints JSON: cycles/s, XMLDesc/s, listAllDomains of 10,001 domains in ms.
import json, time, libvirt

def xml(i):
    return ("<domain type='test'><name>bench%d</name><memory unit='KiB'>131072</memory>"
            "<vcpu>1</vcpu><os><type>hvm</type></os></domain>" % i)

conn = libvirt.open("test:///default")
n = 0
def cycles(count):
    global n
    start = time.perf_counter()
    for _ in range(count):
        d = conn.defineXML(xml(n)); n += 1
        d.create(); d.destroy(); d.undefine()
    return count / (time.perf_counter() - start)

cycles(500)
cycle_rate = sorted(cycles(2000) for _ in range(3))[1]
test = conn.lookupByName("test")
start = time.perf_counter()
for _ in range(20000):
    test.XMLDesc(0)
xml_rate = 20000 / (time.perf_counter() - start)
for i in range(10000):
    conn.defineXML(xml(1000000 + i))
times = []
for _ in range(5):
    start = time.perf_counter()
    conn.listAllDomains(0)
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"cycles": cycle_rate, "xmlDesc": xml_rate, "listAllMs": sorted(times)[2]}))
