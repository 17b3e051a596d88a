// The core never traps on user input: mutated corpus documents either canonicalize or fail with a
// VirtError, the same instance keeps working afterwards, and whatever it accepts comes out as a
// fixed point of canonicalization.
import test from "ava";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { VirtError } from "../../src/errors.js";
import { CORPUS_DIR } from "../corpus/corpus.js";

const core = new Core(coreModule(), new MockCoreImports(7));
const GOOD = "<domain type='kvm'><name>ok</name><memory>1024</memory><os><type>hvm</type></os></domain>";
const goodOutput = core.canonicalize(GOOD);

function corpusDocuments(): string[] {
  const docs: string[] = [];
  for (const dir of ["genericxml2xmlindata", "lxcxml2xmldata", "qemuxmlconfdata"]) {
    for (const f of readdirSync(join(CORPUS_DIR, "tests", dir))) docs.push(readFileSync(join(CORPUS_DIR, "tests", dir, f), "utf8"));
  }
  return docs;
}
const docs = corpusDocuments();

/** Text fragments that stress the parser and the domain rules. */
const fragment = fc.oneof(
  fc.constantFrom("<", ">", "&", "&amp;", "&#0;", "&#x110000;", "'", '"', "\u0000", "\u0001", "\uffff", "\ud800", "]]>", "<!--", "-->",
    "<![CDATA[", "<?xml version='1.0'?>", "<!DOCTYPE d [<!ENTITY e 'x'>]>", "&e;", "</domain>", "<domain type='kvm'>", "<devices>",
    "<disk type='file'>", "<target dev='vda'/>", "<vcpu>", "unit='EiB'", "99999999999999999999999", "-1", "0", "4294967296", "/",
    " cpuset='0-4095,^7'", "<memory>", "<uuid>", "<name>", "type='none'", "é", "\u{1F600}"),
  fc.string({ maxLength: 12 }),
);

/** Attribute values that probe the rules: numbers at the edges, enums, sets, paths. */
const attrValue = fc.oneof(
  fc.constantFrom("", "0", "1", "-1", "7", "65536", "4294967296", "99999999999999999999", "0x1f", "0x100", "yes", "no", "on", "off",
    "none", "default", "auto", "static", "bind", "connect", "KiB", "MiB", "EiB", "b", "0-3,^2", "4096", "^1", "a,b", "/dev/x", "vda",
    "hdz", "sdaa", "52:54:00:00:00:00", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "127.0.0.1", "vnc", "spice", "tcp", "unix", "udp"),
  fc.string({ maxLength: 6 }),
);

const mutation = fc.oneof(
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

type Mutation =
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

function mutate(doc: string, muts: Mutation[]): string {
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

let accepted = 0;
let rejected = 0;

function check(input: string | Uint8Array): void {
  let out: string | undefined;
  try {
    out = core.canonicalize(input, 1);
    accepted++;
  } catch (e) {
    if (!(e instanceof VirtError)) throw e;
    rejected++;
    if (e.message.includes("core.wasm aborted")) throw new Error(`core trapped: ${e.message}`);
    if (!(e.code > 0 && e.domain >= 0 && e.message.length > 0)) throw new Error(`malformed VirtError ${e.code}/${e.domain}`);
  }
  if (out !== undefined) {
    const again = core.canonicalize(out, 1);
    if (again !== out) throw new Error(`not a fixed point:\n${out}\n---\n${again}`);
  }
  if (core.canonicalize(GOOD) !== goodOutput) throw new Error("the core changed behaviour after an error");
}

test("mutated corpus documents never trap the core", (t) => {
  fc.assert(
    fc.property(fc.nat(docs.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, muts) => {
      check(mutate(docs[i], muts as Mutation[]));
    }),
    { numRuns: 3000, seed: 0x5eed },
  );
  t.log(`${accepted} accepted (checked as fixed points), ${rejected} rejected`);
  t.true(accepted > 300, "enough mutants are valid for the fixed-point check to mean something");
});

test("random bytes (invalid UTF-8 included) never trap the core", (t) => {
  fc.assert(
    fc.property(fc.nat(docs.length - 1), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }), (i, at, bytes) => {
      const doc = Buffer.from(docs[i]);
      const p = at % doc.length;
      check(Buffer.concat([doc.subarray(0, p), bytes, doc.subarray(p)]));
    }),
    { numRuns: 1000, seed: 0xb17e5 },
  );
  t.pass();
});

test("pathological documents return errors and leave the core usable", (t) => {
  const huge = "<domain type='kvm'><name>" + "x".repeat(100 * 1024 * 1024) + "</name></domain>";
  for (const doc of [
    huge,
    "<a>".repeat(100_000),
    "<domain type='kvm'>" + "<x a='1'/>".repeat(200_000) + "</domain>",
    "<domain type='kvm' " + Array.from({ length: 50_000 }, (_, i) => `a${i}='v'`).join(" ") + "/>",
    "<domain type='kvm'><name>n</name><memory>1</memory><os><type>hvm</type></os><devices>" + "<disk type='file'><source file='/a'/><target dev='vda'/></disk>".repeat(20_000) + "</devices></domain>",
  ]) {
    const started = Date.now();
    t.notThrows(() => check(doc));
    t.log(`${doc.length} chars handled in ${Date.now() - started} ms`);
  }
});

test("memory stays bounded over many operations (garbage is collected)", (t) => {
  const fresh = new Core(coreModule(), new MockCoreImports(1));
  const doc = docs[docs.length - 1];
  for (let i = 0; i < 2000; i++) {
    try {
      fresh.canonicalize(doc);
    } catch {
      // a must-fail document is as good a workload as any
    }
  }
  const settled = fresh.memoryBytes();
  for (let i = 0; i < 20000; i++) {
    try {
      fresh.canonicalize(doc);
    } catch {
      // as above
    }
  }
  t.is(fresh.memoryBytes(), settled, "20,000 more operations do not grow linear memory");
});
