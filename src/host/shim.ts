// What core.wasm needs from its host. The native addon, the mock used by tests and the test:///
// driver, and any WASI embedder provide these same functions.
import { randomFillSync } from "node:crypto";

export interface HostShim {
  /** Fills the view with random bytes (UUIDs and MACs generated for definitions lacking them). */
  randomFill(view: Uint8Array): void;
}

/** The host used on a real node: randomness from the operating system. */
export const nodeShim: HostShim = {
  randomFill(view) {
    randomFillSync(view);
  },
};
