// Space-separated choice lists ("none raw qcow2 ...") compiled once into tables of
// (offset, length, first byte), so matching a value tests a few integers per choice instead of
// walking the list's characters. Lists are string literals, so their address identifies them.
import { ByteBuf } from "./bytes";

class EnumTable {
  bytes: ByteBuf = new ByteBuf(256);
  offs: StaticArray<i32>;
  lens: StaticArray<i32>;
  firsts: StaticArray<i32>;

  constructor(choices: string) {
    const words = choices.split(" ");
    this.offs = new StaticArray<i32>(words.length);
    this.lens = new StaticArray<i32>(words.length);
    this.firsts = new StaticArray<i32>(words.length);
    for (let i = 0; i < words.length; i++) {
      unchecked((this.offs[i] = this.bytes.length));
      this.bytes.str(words[i]);
      unchecked((this.lens[i] = this.bytes.length - this.offs[i]));
      unchecked((this.firsts[i] = this.lens[i] > 0 ? <i32>this.bytes.at(this.offs[i]) : -1));
    }
  }

  /** Index of the choice equal to len bytes at p, or -1. */
  find(p: usize, len: i32): i32 {
    const first = len > 0 ? <i32>load<u8>(p) : -1;
    const n = this.offs.length;
    for (let i = 0; i < n; i++) {
      if (unchecked(this.lens[i]) != len || unchecked(this.firsts[i]) != first) continue;
      const q = this.bytes.ptr + <usize>unchecked(this.offs[i]);
      let k = 1;
      while (k < len && load<u8>(p + <usize>k) == load<u8>(q + <usize>k)) k++;
      if (k >= len) return i;
    }
    return -1;
  }
}

const CACHE = 256;
const cachedList = new StaticArray<usize>(CACHE);
const cachedTable = new Array<EnumTable | null>(CACHE);

/** Index of the slice (len bytes at p) in the space-separated choice list, or -1. */
export function choiceIndex(p: usize, len: i32, choices: string): i32 {
  const key = changetype<usize>(choices);
  let slot = <i32>((key >> 3) * 0x9e3779b1) >>> 24;
  while (true) {
    const at = unchecked(cachedList[slot]);
    if (at == key) return unchecked(cachedTable[slot])!.find(p, len);
    if (at == 0) {
      const table = new EnumTable(choices);
      unchecked((cachedList[slot] = key));
      unchecked((cachedTable[slot] = table));
      return table.find(p, len);
    }
    slot = (slot + 1) & (CACHE - 1);
  }
}
