// A child process that writes to a qcow2 image through the VMM's code until it is killed: it says
// WRITING once its disk is open, then writes and write-zeroes at places a seed picks, forever.
// test/storage/qcow2.test.ts kills it with SIGKILL mid-write and asks QEMU to check the image.
import { guestOn } from "./qcow2-guest.js";

const [path, seed] = process.argv.slice(2);
const g = guestOn(path, true);
let state = Number(seed) >>> 0;
const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const capacity = g.capacity();
process.stdout.write("WRITING\n");
for (let i = 0; ; i++) {
  const len = 512 * (1 + Math.floor(next() * 128));
  const offset = 512 * Math.floor(next() * ((capacity - len) / 512 + 1));
  if (i % 5 === 4) g.zeroAt(offset, len);
  else g.writeAt(offset, new Uint8Array(len).fill(i & 0xff));
}
