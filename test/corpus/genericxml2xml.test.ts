// libvirt's genericxml2xml suite: driver-independent parse + format, 100% required.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { VirtError } from "../../src/errors.js";
import { corpusCases, corpusFile } from "./corpus.js";

const SECURE = 1;
const INACTIVE = 2;
// libvirt's test suite mocks randomness to zero bytes; so does the mock shim.
const core = new Core(coreModule(), new MockCoreImports(0));

for (const c of corpusCases("genericxml2xml")) {
  test(`genericxml2xml ${c.test}: ${c.expectation}`, (t) => {
    const input = corpusFile(c.input);
    if (c.expectation.startsWith("parse-must-fail")) {
      const flags = c.expectation.includes("INACTIVE") ? INACTIVE : 0;
      const e = t.throws(() => core.canonicalize(input, flags | SECURE), { instanceOf: VirtError }) as VirtError;
      t.log(e.message);
      return;
    }
    t.is(core.canonicalize(input, SECURE), corpusFile(c.expectedOutput!));
  });
}
