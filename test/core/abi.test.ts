// The ABI table (core-wasm/abi/table.mjs) is the one description of the boundary: both sides are
// generated from it, and these tests fail when core.wasm, the generated files and the table disagree.
import test from "ava";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { operations } from "../../core-wasm/abi/table.mjs";
import { Core, coreModule } from "../../src/host/core.js";
import { ABI_FINGERPRINT } from "../../src/host/core-abi.gen.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { ErrorNumber, VirtError } from "../../src/errors.js";

const RUNTIME_EXPORTS = ["_initialize", "abiFingerprint", "eventCount", "inputBuffer", "lastErrorCode", "lastErrorDomain", "memory", "outputLen", "outputPtr"];

function instanceExports(): Record<string, unknown> {
  const noop = () => 0;
  return new WebAssembly.Instance(coreModule(), { shim: { random_fill: noop, clock_ms: noop, guest_read: noop, guest_write: noop, block_io: noop, net_io: noop }, wasi_snapshot_preview1: { fd_write: noop, proc_exit: noop } }).exports;
}

test("the generated files are what the table gives", (t) => {
  const script = fileURLToPath(new URL("../../scripts/gen-abi.mjs", import.meta.url));
  const run = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
  t.is(run.status, 0, run.stderr);
});

test("core.wasm exports the table's operations, each with the parameters the table gives it", (t) => {
  const exports = instanceExports();
  const table = operations;
  t.deepEqual(Object.keys(exports).sort(), [...RUNTIME_EXPORTS, ...Object.keys(table)].sort());
  for (const [name, op] of Object.entries(table)) {
    const params = Object.keys(op.args ?? {}).length + (op.input ? 1 : 0);
    t.is((exports[name] as (...a: number[]) => number).length, params, name);
  }
});

test("core.wasm was built from the same table as the client", (t) => {
  t.is((instanceExports().abiFingerprint as () => number)(), ABI_FINGERPRINT);
});

test("input fields that do not add up are an internal error, and the core goes on working", (t) => {
  const core = new Core(coreModule(), new MockCoreImports());
  const node = core.nodeOpenDefault();
  const exports = instanceExportsOf(core);
  // a DomainKey whose name claims more bytes than were sent
  const input = new Uint8Array(24);
  new DataView(input.buffer).setUint32(16, 1000, true);
  new Uint8Array(exports.memory.buffer, exports.inputBuffer(input.length), input.length).set(input);
  t.is(exports.domainInfo(node, input.length), -1);
  t.is(exports.lastErrorCode(), ErrorNumber.VIR_ERR_INTERNAL_ERROR);
  const test = core.domainLookupByName(node, "test");
  t.is(core.domainInfo(node, test).state, 1);
  const e = t.throws(() => core.domainInfo(node, { uuid: [1, 2, 3, 4], name: "ghost" }), { instanceOf: VirtError });
  t.is(e?.message, "Domain not found: no domain with matching uuid '00000001-0000-0002-0000-000300000004' (ghost)");
});

/** The raw exports behind a Core, for sending what the typed client never sends. */
function instanceExportsOf(core: Core): { memory: WebAssembly.Memory; inputBuffer(n: number): number; domainInfo(node: number, len: number): number; lastErrorCode(): number } {
  return (core as unknown as { exports: ReturnType<typeof instanceExportsOf> }).exports;
}
