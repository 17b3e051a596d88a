// The same core.wasm runs in a WASI sandbox (node:wasi) with nothing but its declared imports.
import test from "ava";
import { WASI } from "node:wasi";
import { coreModule } from "../../src/host/core.js";
import { corpusFile } from "../corpus/corpus.js";

interface CoreExports {
  memory: WebAssembly.Memory;
  inputBuffer(len: number): number;
  canonicalize(len: number, flags: number): number;
  outputPtr(): number;
  outputLen(): number;
  lastErrorCode(): number;
}

function instantiateUnderWasi() {
  const wasi = new WASI({ version: "preview1", args: [], env: {}, preopens: {}, returnOnExit: true });
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(coreModule(), {
    wasi_snapshot_preview1: wasi.wasiImport,
    // An embedder's own randomness source; zeros keep the output reproducible here.
    shim: {
      random_fill: (ptr: number, len: number) => new Uint8Array(memory!.buffer, ptr, len).fill(0),
      clock_ms: () => 0,
      // no guest memory under WASI: the VMM's virtqueues are not used there
      guest_read: () => -1,
      guest_write: () => -1,
      block_io: () => -38,
      net_io: () => -38,
    },
  });
  wasi.initialize(instance);
  const core = instance.exports as unknown as CoreExports;
  memory = core.memory;
  return core;
}

function canonicalize(core: CoreExports, xml: string): { status: number; text: string } {
  const bytes = Buffer.from(xml);
  const ptr = core.inputBuffer(bytes.length);
  new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
  const status = core.canonicalize(1, bytes.length);
  const text = Buffer.from(core.memory.buffer, core.outputPtr(), core.outputLen()).toString("utf8");
  return { status, text };
}

test("core.wasm canonicalizes a corpus document under node:wasi", (t) => {
  const core = instantiateUnderWasi();
  const { status, text } = canonicalize(core, corpusFile("tests/genericxml2xmlindata/graphics-vnc-minimal.xml"));
  t.is(status, 0, text);
  t.is(text, corpusFile("tests/genericxml2xmloutdata/graphics-vnc-minimal.xml"));
});

test("errors come back as libvirt codes under WASI too, and the instance keeps working", (t) => {
  const core = instantiateUnderWasi();
  const bad = canonicalize(core, "<domain type='kvm'><name>a/b</name></domain>");
  t.is(bad.status, -1);
  t.is(core.lastErrorCode(), 27);
  t.is(bad.text, "XML error: name a/b cannot contain '/'");
  t.is(canonicalize(core, "<domain type='kvm'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain>").status, 0);
});
