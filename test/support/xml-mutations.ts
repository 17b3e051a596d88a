// Mutations of XML documents for the robustness tests: attribute values and text at the edges
// of what the rules take, dropped and copied elements, inserted fragments that stress the
// parser, deletions, duplications and truncations.
import fc from "fast-check";

/** Text fragments that stress the parser and the domain rules. */
export const fragment = fc.oneof(
  fc.constantFrom("<", ">", "&", "&amp;", "&#0;", "&#x110000;", "'", '"', "\u0000", "\u0001", "\uffff", "\ud800", "]]>", "<!--", "-->",
    "<![CDATA[", "<?xml version='1.0'?>", "<!DOCTYPE d [<!ENTITY e 'x'>]>", "&e;", "</domain>", "<domain type='kvm'>", "<devices>",
    "<disk type='file'>", "<target dev='vda'/>", "<vcpu>", "unit='EiB'", "99999999999999999999999", "-1", "0", "4294967296", "/",
    " cpuset='0-4095,^7'", "<memory>", "<uuid>", "<name>", "type='none'", "é", "\u{1F600}"),
  fc.string({ maxLength: 12 }),
);

/** Attribute values that probe the rules: numbers at the edges, enums, sets, paths. */
export const attrValue = fc.oneof(
  fc.constantFrom("", "0", "1", "-1", "7", "65536", "4294967296", "99999999999999999999", "0x1f", "0x100", "yes", "no", "on", "off",
    "none", "default", "auto", "static", "bind", "connect", "KiB", "MiB", "EiB", "b", "0-3,^2", "4096", "^1", "a,b", "/dev/x", "vda",
    "hdz", "sdaa", "52:54:00:00:00:00", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "127.0.0.1", "vnc", "spice", "tcp", "unix", "udp"),
  fc.string({ maxLength: 6 }),
);

export const mutation = fc.oneof(
  fc.record({ kind: fc.constant("attr" as const), at: fc.nat(), text: attrValue }),
  fc.record({ kind: fc.constant("attr" as const), at: fc.nat(), text: attrValue }),
  fc.record({ kind: fc.constant("dropAttr" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("dropElement" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("copyElement" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("text" as const), at: fc.nat(), text: attrValue }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fragment }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

export type Mutation =
  | { kind: "insert" | "attr" | "text"; at: number; text: string }
  | { kind: "delete" | "duplicate"; at: number; len: number }
  | { kind: "truncate" | "dropAttr" | "dropElement" | "copyElement"; at: number };

/** Applies fn to the (at mod count)-th match of re in s. */
function atMatch(s: string, re: RegExp, at: number, fn: (m: RegExpExecArray) => string): string {
  const matches = [...s.matchAll(re)] as RegExpExecArray[];
  if (matches.length === 0) return s;
  const m = matches[at % matches.length];
  return s.slice(0, m.index) + fn(m) + s.slice(m.index + m[0].length);
}

const escape = (v: string) => v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/'/g, "&apos;");

export function mutate(doc: string, muts: Mutation[]): string {
  let s = doc;
  for (const m of muts) {
    const at = s.length ? m.at % (s.length + 1) : 0;
    if (m.kind === "attr") s = atMatch(s, / ([\w:-]+)='[^']*'/g, m.at, (x) => ` ${x[1]}='${escape(m.text)}'`);
    else if (m.kind === "text") s = atMatch(s, />([^<>\s][^<>]*)</g, m.at, () => `>${escape(m.text)}<`);
    else if (m.kind === "dropAttr") s = atMatch(s, / [\w:-]+='[^']*'/g, m.at, () => "");
    else if (m.kind === "dropElement") s = atMatch(s, /<[\w:-]+(?: [^<>]*)?\/>|<([\w:-]+)(?: [^<>]*)?>[^<>]*<\/\1>/g, m.at, () => "");
    else if (m.kind === "copyElement") s = atMatch(s, /<[\w:-]+(?: [^<>]*)?\/>|<([\w:-]+)(?: [^<>]*)?>[^<>]*<\/\1>/g, m.at, (x) => x[0] + x[0]);
    else if (m.kind === "insert") s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === "delete") s = s.slice(0, at) + s.slice(at + m.len);
    else if (m.kind === "duplicate") s = s.slice(0, at) + s.slice(at, at + m.len) + s.slice(at);
    else if (m.kind === "truncate") s = s.slice(0, at);
  }
  return s;
}

