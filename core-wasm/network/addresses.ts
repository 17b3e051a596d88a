// IPv4 and IPv6 addresses as a network's XML gives them: parsed as glibc's numeric getaddrinfo
// parses them (libvirt's virSocketAddrParse), written back as getnameinfo writes them, and the
// arithmetic libvirt's range and route checks need (prefixes, masks, comparisons).

/** An address: its family (4 or 6, 0 when it did not parse) and 16 bytes (IPv4 in the first 4). */
export class IpAddress {
  family: i32 = 0;
  readonly bytes: StaticArray<u8> = new StaticArray<u8>(16);

  get byteCount(): i32 {
    return this.family == 4 ? 4 : 16;
  }

  copyFrom(other: IpAddress): void {
    this.family = other.family;
    for (let i = 0; i < 16; i++) unchecked((this.bytes[i] = other.bytes[i]));
  }
}

/** Parses `s` as an IPv4 or IPv6 numeric address into `into`; false when it is neither. */
export function parseIp(s: string, into: IpAddress): bool {
  into.family = 0;
  for (let i = 0; i < 16; i++) unchecked((into.bytes[i] = 0));
  if (s.indexOf(":") >= 0) return parseIpv6(s, into);
  return parseIpv4(s, into);
}

/**
 * inet_aton's forms: a.b.c.d, a.b.c (c 16 bits), a.b (b 24 bits), a (32 bits), each part
 * decimal, octal (leading 0) or hex (0x).
 */
function parseIpv4(s: string, into: IpAddress): bool {
  const parts = s.split(".");
  if (parts.length > 4 || s.length == 0) return false;
  const values = new Array<u64>();
  for (let i = 0; i < parts.length; i++) {
    const v = parseCPart(parts[i]);
    if (v < 0) return false;
    values.push(<u64>v);
  }
  let address: u64 = 0;
  const n = values.length;
  for (let i = 0; i < n - 1; i++) {
    if (values[i] > 255) return false;
    address |= values[i] << (8 * (3 - <u64>i));
  }
  const lastBits = 8 * (5 - <u64>n);
  if (values[n - 1] >= (<u64>1 << lastBits)) return false;
  address |= values[n - 1];
  for (let i = 0; i < 4; i++) unchecked((into.bytes[i] = <u8>(address >> (8 * (3 - <u64>i)))));
  into.family = 4;
  return true;
}

/** One part of an inet_aton address; -1 when it is not a number. */
function parseCPart(p: string): i64 {
  if (p.length == 0) return -1;
  let base = 10;
  let i = 0;
  if (p.length > 1 && p.charCodeAt(0) == 48) {
    if (p.charCodeAt(1) == 120 || p.charCodeAt(1) == 88) {
      base = 16;
      i = 2;
      if (p.length == 2) return -1;
    } else {
      base = 8;
      i = 1;
    }
  }
  let v: i64 = 0;
  for (; i < p.length; i++) {
    const d = digitValue(p.charCodeAt(i));
    if (d < 0 || d >= base) return -1;
    v = v * base + d;
    if (v > 0xffffffff) return -1;
  }
  return v;
}

function digitValue(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** inet_pton's IPv6: up to 8 groups of up to 4 hex digits, one `::`, an IPv4 tail. */
function parseIpv6(s: string, into: IpAddress): bool {
  const words = new StaticArray<i32>(8);
  let count = 0;
  let gap = -1;
  let i = 0;
  const n = s.length;
  if (n >= 2 && s.charCodeAt(0) == 58 && s.charCodeAt(1) == 58) {
    gap = 0;
    i = 2;
  } else if (n > 0 && s.charCodeAt(0) == 58) return false;
  while (i < n) {
    // an IPv4 tail takes the last two words
    const rest = s.substring(i);
    if (rest.indexOf(".") >= 0 && rest.indexOf(":") < 0) {
      const v4 = new IpAddress();
      if (count > 6 || !parseStrictIpv4(rest, v4)) return false;
      words[count++] = (<i32>v4.bytes[0] << 8) | v4.bytes[1];
      words[count++] = (<i32>v4.bytes[2] << 8) | v4.bytes[3];
      i = n;
      break;
    }
    let digits = 0;
    let v = 0;
    while (i < n && digitValue(s.charCodeAt(i)) >= 0 && digits < 5) {
      v = (v << 4) | digitValue(s.charCodeAt(i));
      digits++;
      i++;
    }
    if (digits == 0 || digits > 4 || count == 8) return false;
    words[count++] = v;
    if (i == n) break;
    if (s.charCodeAt(i) != 58) return false;
    i++;
    if (i < n && s.charCodeAt(i) == 58) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    } else if (i == n) return false;
  }
  if (gap < 0 && count != 8) return false;
  if (gap >= 0 && count == 8) return false;
  const out = new StaticArray<i32>(8);
  if (gap >= 0) {
    for (let k = 0; k < gap; k++) out[k] = words[k];
    const tail = count - gap;
    for (let k = 0; k < tail; k++) out[8 - tail + k] = words[gap + k];
  } else for (let k = 0; k < 8; k++) out[k] = words[k];
  for (let k = 0; k < 8; k++) {
    unchecked((into.bytes[2 * k] = <u8>(out[k] >> 8)));
    unchecked((into.bytes[2 * k + 1] = <u8>out[k]));
  }
  into.family = 6;
  return true;
}

/** Four decimal parts, as inet_pton takes an IPv6 address's IPv4 tail. */
function parseStrictIpv4(s: string, into: IpAddress): bool {
  const parts = s.split(".");
  if (parts.length != 4) return false;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (p.length == 0 || p.length > 3 || (p.length > 1 && p.charCodeAt(0) == 48)) return false;
    let v = 0;
    for (let k = 0; k < p.length; k++) {
      const c = p.charCodeAt(k);
      if (c < 48 || c > 57) return false;
      v = v * 10 + c - 48;
    }
    if (v > 255) return false;
    unchecked((into.bytes[i] = <u8>v));
  }
  into.family = 4;
  return true;
}

/** The address as getnameinfo(NI_NUMERICHOST) writes it (inet_ntop's forms). */
export function formatIp(a: IpAddress): string {
  if (a.family == 4) return a.bytes[0].toString() + "." + a.bytes[1].toString() + "." + a.bytes[2].toString() + "." + a.bytes[3].toString();
  const words = new StaticArray<i32>(8);
  for (let k = 0; k < 8; k++) words[k] = (<i32>a.bytes[2 * k] << 8) | a.bytes[2 * k + 1];
  // the longest run of two or more zero words (the first of equals) becomes "::"
  let best = -1;
  let bestLen = 0;
  for (let k = 0; k < 8; ) {
    if (words[k] != 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && words[e] == 0) e++;
    if (e - k > bestLen) {
      best = k;
      bestLen = e - k;
    }
    k = e;
  }
  if (bestLen < 2) best = -1;
  let out = "";
  for (let k = 0; k < 8; k++) {
    if (best >= 0 && k >= best && k < best + bestLen) {
      if (k == best) out += ":";
      continue;
    }
    if (k > 0) out += ":";
    // ::a.b.c.d and ::ffff:a.b.c.d keep their IPv4 tail in dotted form
    if (k == 6 && best == 0 && (bestLen == 6 || (bestLen == 5 && words[5] == 0xffff))) {
      out += a.bytes[12].toString() + "." + a.bytes[13].toString() + "." + a.bytes[14].toString() + "." + a.bytes[15].toString();
      break;
    }
    out += words[k].toString(16);
  }
  if (best >= 0 && best + bestLen == 8) out += ":";
  return out;
}

/** How many leading one bits a netmask has, or -1 when its ones are not contiguous. */
export function maskPrefix(mask: IpAddress): i32 {
  const bytes = mask.byteCount;
  let prefix = 0;
  let ended = false;
  for (let i = 0; i < bytes; i++) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = ((<i32>mask.bytes[i] >> bit) & 1) == 1;
      if (one && ended) return -1;
      if (one) prefix++;
      else ended = true;
    }
  }
  return prefix;
}

/** Whether a and b agree on their first `prefix` bits (same family). */
export function samePrefix(a: IpAddress, b: IpAddress, prefix: i32): bool {
  if (a.family != b.family) return false;
  for (let bit = 0; bit < prefix; bit++) {
    const i = bit >> 3;
    const shift = 7 - (bit & 7);
    if (((<i32>a.bytes[i] >> shift) & 1) != ((<i32>b.bytes[i] >> shift) & 1)) return false;
  }
  return true;
}

/** Clears every bit of a after the first `prefix`: the address of its subnet. */
export function clearHostBits(a: IpAddress, prefix: i32): void {
  for (let bit = max(prefix, 0); bit < a.byteCount * 8; bit++) {
    const i = bit >> 3;
    unchecked((a.bytes[i] = <u8>(<i32>a.bytes[i] & ~(1 << (7 - (bit & 7))))));
  }
}

/** Whether every bit of a after the first `prefix` is `one`. */
export function hostBitsAre(a: IpAddress, prefix: i32, one: bool): bool {
  for (let bit = prefix; bit < a.byteCount * 8; bit++) {
    if ((((<i32>a.bytes[bit >> 3] >> (7 - (bit & 7))) & 1) == 1) != one) return false;
  }
  return true;
}

/** -1, 0 or 1 as a is below, equal to or above b (same family). */
export function compareIp(a: IpAddress, b: IpAddress): i32 {
  for (let i = 0; i < a.byteCount; i++) {
    if (a.bytes[i] != b.bytes[i]) return a.bytes[i] < b.bytes[i] ? -1 : 1;
  }
  return 0;
}

/** The classful prefix of an IPv4 address without netmask or prefix (libvirt's default), or -1. */
export function classfulPrefix(a: IpAddress): i32 {
  if (a.family == 6) {
    for (let i = 0; i < 16; i++) if (a.bytes[i] != 0) return 64;
    return 0;
  }
  if (a.bytes[0] == 0 && a.bytes[1] == 0 && a.bytes[2] == 0 && a.bytes[3] == 0) return 0;
  if (a.bytes[0] < 128) return 8;
  if (a.bytes[0] < 192) return 16;
  if (a.bytes[0] < 224) return 24;
  return -1;
}
