# Times virDomainGetInfo round trips from python3-libvirt (libvirt's own client library) to a
# daemon: argv[1] the URI, argv[2] calls per thread and round, argv[3] threads sharing the one
# connection (each waits for its call's reply; libvirt's client keeps them all in flight).
# Prints "RESULT {json}" with the median calls/s of 5 rounds.
import json
import sys
import threading
import time

import libvirt

conn = libvirt.open(sys.argv[1])
dom = conn.lookupByName("test")
calls = int(sys.argv[2])
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1


def work():
    for _ in range(calls):
        dom.info()


def round_rate():
    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return calls * threads / (time.perf_counter() - start)


for _ in range(calls // 4):
    dom.info()
rates = sorted(round_rate() for _ in range(5))
conn.close()
print("RESULT " + json.dumps({"perSecond": rates[len(rates) // 2]}))
