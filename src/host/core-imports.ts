// What core.wasm needs from its host. The native addon, the mock used by tests and the test:///
// driver, and any WASI embedder provide these same functions.
import { createRequire } from "node:module";

// node:crypto costs milliseconds to load; commands that never generate an id never load it.
const require = createRequire(import.meta.url);
let osRandom: ((view: Uint8Array) => void) | undefined;
const randomFillSync = (view: Uint8Array) => (osRandom ??= (require("node:crypto") as typeof import("node:crypto")).randomFillSync)(view);

export interface CoreImports {
  /** Fills the view with random bytes (UUIDs and MACs generated for definitions lacking them). */
  randomFill(view: Uint8Array): void;
  /** Wall-clock time in milliseconds (CPU time of test domains is reported from it). */
  clockMs(): number;
}

/** Random bytes are fetched from the OS in blocks: one system call per 4 KiB, not per UUID. */
const pool = new Uint8Array(4096);
let poolUsed = pool.length;

/** The host used on a real node: randomness from the operating system. */
export const nodeCoreImports: CoreImports = {
  randomFill(view) {
    if (view.length > pool.length) {
      randomFillSync(view);
      return;
    }
    if (poolUsed + view.length > pool.length) {
      randomFillSync(pool);
      poolUsed = 0;
    }
    view.set(pool.subarray(poolUsed, poolUsed + view.length));
    // Never hand out the same bytes twice.
    pool.fill(0, poolUsed, poolUsed + view.length);
    poolUsed += view.length;
  },
  clockMs() {
    return Date.now();
  },
};
