// The TypeScript mock shim: a deterministic stand-in for the native shim, used by tests and by
// the test:/// driver. It records every call so tests can assert what the core asked for.
import type { HostShim } from "./shim.js";

export interface MockCall {
  fn: string;
  args: unknown[];
}

export class MockShim implements HostShim {
  readonly calls: MockCall[] = [];

  /** randomFill writes this byte repeatedly (0 reproduces libvirt's test suite, which mocks randomness to zero). */
  constructor(private readonly randomByte = 0) {}

  randomFill(view: Uint8Array): void {
    this.calls.push({ fn: "randomFill", args: [view.length] });
    view.fill(this.randomByte);
  }
}
