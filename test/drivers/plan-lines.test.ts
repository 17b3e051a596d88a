// Plan lines (docs/control-protocol.md): the shared vectors of test/fixtures/plan-lines.json
// against every implementation of them: the TypeScript codec, core.wasm's PlanWriter (through
// the kvm plan, whose cmdline line carries one field as the XML gives it), and the container
// supervisor's unescape (through its start report, which names the control socket it could not
// bind, unescaped; no root needed to get that far).
import test from "ava";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeLine, decodeLines, encodeLine } from "../../src/drivers/hosted/plan-lines.js";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { supervisorPath } from "../../src/host/native.js";
import { tempDir } from "../support/temp.js";

interface Vectors {
  encoded: { fields: string[]; line: string }[];
  decodeOnly: { line: string; fields: string[] }[];
}
const vectors = JSON.parse(readFileSync(new URL("../fixtures/plan-lines.json", import.meta.url), "utf8")) as Vectors;
const everyLine = [...vectors.encoded, ...vectors.decodeOnly];

/** Each field of a vector with its escaped text: a line's raw tabs are exactly its separators. */
function escapedFields(vector: { fields: string[]; line: string }): [string, string][] {
  return vector.line.split("\t").map((escaped, i) => [vector.fields[i], escaped]);
}

test("the TypeScript codec writes and reads every vector", (t) => {
  for (const { fields, line } of vectors.encoded) {
    t.is(encodeLine(fields), line, JSON.stringify(fields));
    t.deepEqual(decodeLine(line), fields, JSON.stringify(line));
  }
  for (const { line, fields } of vectors.decodeOnly) t.deepEqual(decodeLine(line), fields, JSON.stringify(line));
});

test("a plan's empty lines carry no fields", (t) => {
  t.deepEqual(decodeLines("a\tb\n\nc\\td\n"), [["a", "b"], ["c\td"]]);
});

test("core.wasm's PlanWriter escapes every field of every vector", (t) => {
  const core = new Core(coreModule(), new MockCoreImports(0));
  const node = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "/d", "");
  const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;");
  for (const vector of vectors.encoded) {
    for (const [field, escaped] of escapedFields(vector)) {
      const plan = core.hostedPlanCreate(node, `<domain type='kvm'><name>g</name><memory unit='MiB'>16</memory><os><type>hvm</type><kernel>/k</kernel><cmdline>${xmlText(field)}</cmdline></os></domain>`);
      const cmdline = plan.split("\n").find((line) => line.startsWith("cmdline\t"));
      t.is(cmdline, `cmdline\t${escaped}`, JSON.stringify(field));
    }
  }
});

/** What the supervisor reports on fd 3 for a plan, once it has exited. */
function supervisorReport(planFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(supervisorPath(), [planFile], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
    let report = "";
    child.stdio[3]!.on("data", (chunk: Buffer) => (report += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", () => resolve(report));
  });
}

test("the container supervisor unescapes every field of every vector", async (t) => {
  const dir = tempDir("virtkit-plan-lines", "/tmp");
  const missing = join(dir, "missing") + "/"; // no such directory: binding the socket fails, naming it
  const planFile = join(dir, "plan");
  for (const vector of everyLine) {
    for (const [field, escaped] of escapedFields(vector)) {
      writeFileSync(planFile, `control\t${missing}${escaped}\n`);
      const report = await supervisorReport(planFile);
      const head = `error\tcontrol socket ${missing}`;
      t.true(report.startsWith(head) && /\t\d+\n$/.test(report), report);
      t.is(report.slice(head.length, report.lastIndexOf("\t")), field, JSON.stringify(escaped));
    }
  }
});
