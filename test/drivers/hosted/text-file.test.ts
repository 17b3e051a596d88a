// The node's text files: reads that take a missing file as no answer, writes that are never
// seen half done and leave nothing behind when they fail.
import test from "ava";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readText, writeAtomically } from "../../../src/drivers/hosted/text-file.js";
import { tempDir } from "../../support/temp.js";

test("readText gives a file's text, and undefined for a file that is not there", (t) => {
  const dir = tempDir("virtkit-text-file");
  writeFileSync(join(dir, "a"), "state running\n");
  t.is(readText(join(dir, "a")), "state running\n");
  t.is(readText(join(dir, "missing")), undefined);
  t.is(readText(dir), undefined); // a directory has no text
});

test("writeAtomically replaces the file whole, readable by its owner only", (t) => {
  const dir = tempDir("virtkit-text-file");
  const path = join(dir, "dom.status");
  writeFileSync(path, "an older and longer text\n");
  writeAtomically(path, "state shutoff\n");
  t.is(readFileSync(path, "utf8"), "state shutoff\n");
  t.is(statSync(path).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(dir), ["dom.status"]);
});

test("a write that cannot be renamed into place fails and leaves no temporary file", (t) => {
  const dir = tempDir("virtkit-text-file");
  const path = join(dir, "taken");
  mkdirSync(path); // a directory stands where the file goes
  t.throws(() => writeAtomically(path, "text"), { code: "EISDIR" });
  t.deepEqual(readdirSync(dir), ["taken"]);
  t.deepEqual(readdirSync(path), []);
});

test("a write into a folder that is not there fails and creates nothing", (t) => {
  const dir = tempDir("virtkit-text-file");
  t.throws(() => writeAtomically(join(dir, "gone", "file"), "text"), { code: "ENOENT" });
  t.deepEqual(readdirSync(dir), []);
});
