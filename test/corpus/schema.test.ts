// libvirt's RelaxNG schema as a second opinion: every corpus input validates (except those
// upstream names "-invalid."), and so does virtkit's canonical output of every accepted input.
import test from "ava";
import { join } from "node:path";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { CORPUS_DIR, corpusFile } from "./corpus.js";
import { readFileSync } from "node:fs";
import { schemaErrors } from "../support/relaxng.js";

const schemaDir = join(CORPUS_DIR, "src/conf/schemas");
const core = new Core(coreModule(), new MockCoreImports(0));

function manifestInputs(): string[] {
  return readFileSync(join(CORPUS_DIR, "MANIFEST.tsv"), "utf8")
    .split("\n")
    .slice(1)
    .filter(Boolean)
    .map((line) => line.split("\t")[3]);
}

for (const input of manifestInputs()) {
  test(`schema: ${input}`, (t) => {
    const xml = corpusFile(input);
    // upstream's schema test expects documents named "*-invalid.*" to fail validation
    const expectValid = !input.includes("-invalid.");
    t.is(schemaErrors(xml, schemaDir).length === 0, expectValid, schemaErrors(xml, schemaDir).join("\n"));
    if (input.includes("domainschemadata")) return;
    let canonical: string;
    try {
      canonical = core.canonicalize(xml, 1);
    } catch {
      return; // must-fail cases
    }
    t.deepEqual(schemaErrors(canonical, schemaDir), [], "virtkit's canonical output validates too");
  });
}
