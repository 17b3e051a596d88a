// qemuxmlconfdata *.x86_64-latest.xml: libvirt's own canonical output must be a fixed point,
// format(parse(x)) == x, 100% required.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { corpusCases, corpusFile } from "./corpus.js";

const core = new Core(coreModule(), new MockCoreImports(0));

for (const c of corpusCases("qemuxmlconf")) {
  test(`qemuxmlconf ${c.test}: canonical idempotence`, (t) => {
    const canonical = corpusFile(c.expectedOutput!);
    t.is(core.canonicalize(canonical, 1), canonical);
  });
}
