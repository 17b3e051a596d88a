// The TypeScript mock shim: a deterministic stand-in for the native shim, used by tests and by
// the test:/// driver. It records every call so tests can assert what the core asked for.
import { nodeCoreImports, type CoreImports } from "./core-imports.js";

export interface MockCall {
  fn: string;
  args: unknown[];
}

export class MockCoreImports implements CoreImports {
  readonly calls: MockCall[] = [];
  /** The simulated clock in milliseconds; undefined follows the real one. */
  clock: number | undefined;

  /**
   * randomByte: randomFill writes this byte repeatedly (0 reproduces libvirt's test suite, which
   * mocks randomness to zero); null gives real random bytes, for a node that behaves.
   */
  constructor(private readonly randomByte: number | null = 0) {}

  randomFill(view: Uint8Array): void {
    this.calls.push({ fn: "randomFill", args: [view.length] });
    if (this.randomByte === null) nodeCoreImports.randomFill(view);
    else view.fill(this.randomByte);
  }

  clockMs(): number {
    return this.clock ?? Date.now();
  }
}
