#!/usr/bin/python3
# libvirt's side of the XML benchmark: defineXML of the same virt-install document on the
# test:///default driver, each with a unique name (it parses, validates, post-parses and stores).
# Prints "<definitions per second>" (median of 3 runs); run with Debian's /usr/bin/python3.
import sys, time, libvirt

xml = open(sys.argv[1]).read().replace('type="kvm"', 'type="test"', 1)
count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
conn = libvirt.open("test:///default")
rates = []
for run in range(3):
    docs = [xml.replace("<name>bench-vm</name>", "<name>bench-%d-%d</name>" % (run, i)) for i in range(count)]
    start = time.perf_counter()
    for d in docs:
        conn.defineXML(d)
    rates.append(count / (time.perf_counter() - start))
rates.sort()
print("%.0f" % rates[1])
