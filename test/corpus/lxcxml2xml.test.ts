// libvirt's lxcxml2xml suite: container domains, 100% required.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { corpusCases, corpusFile } from "./corpus.js";

const core = new Core(coreModule(), new MockCoreImports(0));

for (const c of corpusCases("lxcxml2xml")) {
  test(`lxcxml2xml ${c.test}: ${c.expectation}`, (t) => {
    t.is(core.canonicalize(corpusFile(c.input), 1), corpusFile(c.expectedOutput!));
  });
}
