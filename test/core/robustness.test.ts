// The core never traps on user input: mutated corpus documents either canonicalize or fail with a
// VirtError, the same instance keeps working afterwards, and whatever it accepts comes out as a
// fixed point of canonicalization.
import test from "ava";
import fc from "fast-check";
import { mutate, mutation, type Mutation } from "../support/xml-mutations.js";
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
