// Raw DEFLATE decoding (RFC 1951): qcow2's compressed clusters are deflate streams without zlib's
// header or checksum. Pure computation over the core's memory; every input byte read and every
// output byte written is checked against its buffer, so damaged data is an error, never a trap.
// Huffman codes of up to FAST_BITS bits (nearly every symbol) are decoded with one look into a
// table indexed by the next FAST_BITS input bits; longer ones a bit at a time from the code's
// canonical counts.

const MAX_CODE_BITS = 15;
const LITERAL_LENGTH_SYMBOLS = 288;
const DISTANCE_SYMBOLS = 30;
const END_OF_BLOCK = 256;
const CODE_LENGTH_SYMBOLS = 19;

/** The order in which a dynamic block lists its code-length code's lengths (RFC 1951, 3.2.7). */
const CODE_LENGTH_ORDER: StaticArray<u8> = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
/** Length symbols 257–285: the shortest length each stands for, and its extra bits. */
const LENGTH_BASE: StaticArray<u16> = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Distance symbols 0–29: the shortest distance each stands for, and its extra bits. */
const DISTANCE_BASE: StaticArray<u16> = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DISTANCE_EXTRA: StaticArray<u8> = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/** While a code is built: where the next symbol of each code length goes, and the next code of each length. */
const nextOfLength = new StaticArray<u16>(MAX_CODE_BITS + 2);
const nextCodeOfLength = new StaticArray<u16>(MAX_CODE_BITS + 1);
const FAST_BITS: u32 = 9;
const FAST_MASK: u32 = (1 << FAST_BITS) - 1;

/** `code`'s low `length` bits in reverse order: deflate sends a code's first bit first. */
function reversed(code: u32, length: u32): u32 {
  let r: u32 = 0;
  for (let i: u32 = 0; i < length; i++) {
    r = (r << 1) | (code & 1);
    code >>= 1;
  }
  return r;
}

/** A canonical Huffman code: how many codes each length has, and the symbols in code order. */
class HuffmanCode {
  readonly lengthCounts: StaticArray<u16> = new StaticArray<u16>(MAX_CODE_BITS + 1);
  readonly symbols: StaticArray<u16>;
  /** By the next FAST_BITS input bits: symbol << 4 | code length, for codes that short; 0 for the rest. */
  readonly fast: StaticArray<u16> = new StaticArray<u16>(1 << FAST_BITS);

  constructor(maxSymbols: i32) {
    this.symbols = new StaticArray<u16>(maxSymbols);
  }

  /**
   * The code of `count` symbols whose code lengths are lengths[0..count); false when the lengths
   * cannot be a code: oversubscribed, or incomplete, which (as zlib) only a literal or distance
   * code may be, and only with no codes or a single one-bit code.
   */
  build(lengths: StaticArray<u8>, count: i32, incompleteAllowed: bool): bool {
    const counts = this.lengthCounts;
    for (let b = 0; b <= MAX_CODE_BITS; b++) unchecked((counts[b] = 0));
    for (let s = 0; s < count; s++) unchecked(counts[lengths[s]]++);
    counts[0] = 0;
    // each length may use no more codes than the shorter ones left free
    let left: i32 = 1;
    let longest = 0;
    for (let b = 1; b <= MAX_CODE_BITS; b++) {
      left = (left << 1) - <i32>unchecked(counts[b]);
      if (left < 0) return false;
      if (unchecked(counts[b]) != 0) longest = b;
    }
    if (left > 0 && (!incompleteAllowed || longest > 1)) return false;
    const firstOfLength = nextOfLength;
    firstOfLength[1] = 0;
    for (let b = 1; b <= MAX_CODE_BITS; b++) unchecked((firstOfLength[b + 1] = firstOfLength[b] + counts[b]));
    for (let s = 0; s < count; s++) {
      const length = unchecked(lengths[s]);
      if (length != 0) unchecked((this.symbols[firstOfLength[length]++] = <u16>s));
    }
    // the canonical codes (RFC 1951, 3.2.2), the short ones into the table at every index they prefix
    let code: u32 = 0;
    for (let b = 1; b <= MAX_CODE_BITS; b++) {
      code = (code + <u32>unchecked(counts[b - 1])) << 1;
      unchecked((nextCodeOfLength[b] = <u16>code));
    }
    const fast = this.fast;
    memory.fill(changetype<usize>(fast), 0, <usize>(1 << FAST_BITS) * 2);
    for (let s = 0; s < count; s++) {
      const length = <u32>unchecked(lengths[s]);
      if (length == 0) continue;
      const symbolCode = <u32>unchecked(nextCodeOfLength[length]++);
      if (length > FAST_BITS) continue;
      const entry = <u16>((s << 4) | length);
      for (let i = reversed(symbolCode, length); i <= FAST_MASK; i += <u32>1 << length) unchecked((fast[i] = entry));
    }
    return true;
  }
}

const lengths = new StaticArray<u8>(LITERAL_LENGTH_SYMBOLS + 32);
const literalCode = new HuffmanCode(LITERAL_LENGTH_SYMBOLS);
const distanceCode = new HuffmanCode(DISTANCE_SYMBOLS + 2);
const codeLengthCode = new HuffmanCode(CODE_LENGTH_SYMBOLS);
const fixedLiteralCode = new HuffmanCode(LITERAL_LENGTH_SYMBOLS);
const fixedDistanceCode = new HuffmanCode(DISTANCE_SYMBOLS + 2);
let fixedCodesBuilt = false;

/** One stream's state: where input and output are, the bits not yet used, and whether it went wrong. */
class Inflater {
  input: usize = 0;
  inputEnd: usize = 0;
  output: usize = 0;
  outputAt: usize = 0;
  outputEnd: usize = 0;
  bits: u32 = 0;
  bitCount: u32 = 0;
  failed: bool = false;

  /** The next `n` bits (n ≤ 16), least significant first; 0 and `failed` when the input ends. */
  take(n: u32): u32 {
    while (this.bitCount < n) {
      if (this.input >= this.inputEnd) {
        this.failed = true;
        return 0;
      }
      this.bits |= <u32>load<u8>(this.input++) << this.bitCount;
      this.bitCount += 8;
    }
    const value = this.bits & ((<u32>1 << n) - 1);
    this.bits >>= n;
    this.bitCount -= n;
    return value;
  }

  /** Whether at least `n` bits are at hand (loading whole bytes while input lasts). */
  fill(n: u32): bool {
    while (this.bitCount < n) {
      if (this.input >= this.inputEnd) return false;
      this.bits |= <u32>load<u8>(this.input++) << this.bitCount;
      this.bitCount += 8;
    }
    return true;
  }

  /** The next symbol of `code`; -1 (and `failed`) for input that is no code. */
  decode(code: HuffmanCode): i32 {
    if (this.fill(FAST_BITS)) {
      const entry = <u32>unchecked(code.fast[this.bits & FAST_MASK]);
      if (entry != 0) {
        const length = entry & 15;
        this.bits >>= length;
        this.bitCount -= length;
        return <i32>(entry >> 4);
      }
    }
    let value: i32 = 0;
    let first: i32 = 0;
    let index: i32 = 0;
    for (let b = 1; b <= MAX_CODE_BITS; b++) {
      value |= <i32>this.take(1);
      const count = <i32>unchecked(code.lengthCounts[b]);
      if (value - first < count) return <i32>unchecked(code.symbols[index + value - first]);
      index += count;
      first = (first + count) << 1;
      value <<= 1;
      if (this.failed) return -1;
    }
    this.failed = true;
    return -1;
  }

  get full(): bool {
    return this.outputAt >= this.outputEnd;
  }

  /** A stored block: its bytes as they are, after the rest of the current byte. */
  stored(): void {
    // whole bytes loaded ahead and not used yet are read again from the input
    this.input -= <usize>(this.bitCount >> 3);
    this.bits = 0;
    this.bitCount = 0;
    if (this.inputEnd - this.input < 4) {
      this.failed = true;
      return;
    }
    const length = <usize>load<u16>(this.input);
    const check = <usize>load<u16>(this.input, 2);
    this.input += 4;
    if ((length ^ 0xffff) != check || this.inputEnd - this.input < length) {
      this.failed = true;
      return;
    }
    const n = min(length, this.outputEnd - this.outputAt);
    memory.copy(this.outputAt, this.input, n);
    this.outputAt += n;
    this.input += length;
  }

  /** Symbols of a compressed block until its end (or until the output is full). */
  codes(literals: HuffmanCode, distances: HuffmanCode): void {
    for (;;) {
      const symbol = this.decode(literals);
      if (symbol < 0 || this.full) return;
      if (symbol < END_OF_BLOCK) {
        store<u8>(this.outputAt++, <u8>symbol);
        continue;
      }
      if (symbol == END_OF_BLOCK) return;
      const lengthSymbol = symbol - 257;
      if (lengthSymbol >= LENGTH_BASE.length) {
        this.failed = true;
        return;
      }
      const length = <usize>unchecked(LENGTH_BASE[lengthSymbol]) + this.take(unchecked(LENGTH_EXTRA[lengthSymbol]));
      const distanceSymbol = this.decode(distances);
      if (distanceSymbol < 0 || distanceSymbol >= DISTANCE_SYMBOLS) {
        this.failed = true;
        return;
      }
      const distance = <usize>unchecked(DISTANCE_BASE[distanceSymbol]) + this.take(unchecked(DISTANCE_EXTRA[distanceSymbol]));
      if (this.failed || distance > this.outputAt - this.output) {
        this.failed = true;
        return;
      }
      // byte by byte: a match may overlap the bytes it produces
      const n = min(length, this.outputEnd - this.outputAt);
      for (let i: usize = 0; i < n; i++) store<u8>(this.outputAt + i, load<u8>(this.outputAt + i - distance));
      this.outputAt += n;
    }
  }

  /** A block with the fixed codes (RFC 1951, 3.2.6), built once: a stream may hold millions of tiny fixed blocks. */
  fixed(): void {
    if (!fixedCodesBuilt) {
      for (let s = 0; s < LITERAL_LENGTH_SYMBOLS; s++) unchecked((lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8));
      fixedLiteralCode.build(lengths, LITERAL_LENGTH_SYMBOLS, false);
      for (let s = 0; s < DISTANCE_SYMBOLS + 2; s++) unchecked((lengths[s] = 5));
      fixedDistanceCode.build(lengths, DISTANCE_SYMBOLS + 2, false);
      fixedCodesBuilt = true;
    }
    this.codes(fixedLiteralCode, fixedDistanceCode);
  }

  /** A block with its own codes, described in code lengths that are themselves Huffman-coded. */
  dynamic(): void {
    const literalCount = <i32>this.take(5) + 257;
    const distanceCount = <i32>this.take(5) + 1;
    const lengthCodeCount = <i32>this.take(4) + 4;
    if (this.failed || literalCount > 286 || distanceCount > DISTANCE_SYMBOLS) {
      this.failed = true;
      return;
    }
    for (let i = 0; i < CODE_LENGTH_SYMBOLS; i++) unchecked((lengths[CODE_LENGTH_ORDER[i]] = i < lengthCodeCount ? <u8>this.take(3) : 0));
    if (this.failed || !codeLengthCode.build(lengths, CODE_LENGTH_SYMBOLS, false)) {
      this.failed = true;
      return;
    }
    const total = literalCount + distanceCount;
    for (let i = 0; i < total; ) {
      const symbol = this.decode(codeLengthCode);
      if (symbol < 0) return;
      if (symbol < 16) {
        unchecked((lengths[i++] = <u8>symbol));
        continue;
      }
      let repeated: u8 = 0;
      let times: i32;
      if (symbol == 16) {
        if (i == 0) {
          this.failed = true;
          return;
        }
        repeated = unchecked(lengths[i - 1]);
        times = 3 + <i32>this.take(2);
      } else times = symbol == 17 ? 3 + <i32>this.take(3) : 11 + <i32>this.take(7);
      if (this.failed || i + times > total) {
        this.failed = true;
        return;
      }
      for (; times > 0; times--) unchecked((lengths[i++] = repeated));
    }
    // the block must be able to end
    if (unchecked(lengths[END_OF_BLOCK]) == 0 || !literalCode.build(lengths, literalCount, true)) {
      this.failed = true;
      return;
    }
    for (let i = 0; i < distanceCount; i++) unchecked((lengths[i] = lengths[literalCount + i]));
    if (!distanceCode.build(lengths, distanceCount, true)) {
      this.failed = true;
      return;
    }
    this.codes(literalCode, distanceCode);
  }
}

const stream = new Inflater();

/**
 * Decodes the raw deflate stream in [input, input + inputBytes) into [output, output + outputBytes):
 * the bytes produced (the stream stops counting once the output is full, as QEMU accepts), or -1
 * when the stream is damaged or ends before its last block.
 */
export function inflateRaw(input: usize, inputBytes: usize, output: usize, outputBytes: usize): isize {
  const s = stream;
  s.input = input;
  s.inputEnd = input + inputBytes;
  s.output = output;
  s.outputAt = output;
  s.outputEnd = output + outputBytes;
  s.bits = 0;
  s.bitCount = 0;
  s.failed = false;
  let last = false;
  while (!last && !s.failed && !s.full) {
    last = s.take(1) == 1;
    const kind = s.take(2);
    if (s.failed) break;
    if (kind == 0) s.stored();
    else if (kind == 1) s.fixed();
    else if (kind == 2) s.dynamic();
    else s.failed = true;
  }
  return s.failed ? -1 : <isize>(s.outputAt - output);
}
