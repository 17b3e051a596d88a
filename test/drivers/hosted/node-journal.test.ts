// Which definitions changed (node-journal.ts): a reader gets the names appended since it last
// asked, and "all" when it has not read the journal from its start (first look, a new journal).
import test from "ava";
import { appendFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NodeJournal } from "../../../src/drivers/hosted/node-journal.js";
import { tempDir } from "../../support/temp.js";

test("a reader reads every definition first, then only the names recorded since", (t) => {
  const run = tempDir("virtkit-journal");
  const writer = new NodeJournal(run);
  const reader = new NodeJournal(run);
  t.is(reader.changes(), "all", "no journal yet: a first look reads everything");
  t.deepEqual(reader.changes(), new Set());
  writer.record("web");
  t.is(reader.changes(), "all", "the journal appeared: it was not read from its start");
  writer.record("db");
  writer.record("web");
  t.deepEqual(reader.changes(), new Set(["db", "web"]));
  t.deepEqual(reader.changes(), new Set());
});

test("a line still being written is read once complete", (t) => {
  const run = tempDir("virtkit-journal");
  const reader = new NodeJournal(run);
  writeFileSync(join(run, ".journal"), "");
  t.is(reader.changes(), "all");
  appendFileSync(join(run, ".journal"), "half");
  t.deepEqual(reader.changes(), new Set());
  appendFileSync(join(run, ".journal"), "way\n");
  t.deepEqual(reader.changes(), new Set(["halfway"]));
});

test("a replaced or shorter journal means every definition is read again", (t) => {
  const run = tempDir("virtkit-journal");
  const reader = new NodeJournal(run);
  new NodeJournal(run).record("a");
  reader.changes();
  writeFileSync(join(run, ".journal"), ""); // emptied in place: shorter than what was read
  t.is(reader.changes(), "all");
  new NodeJournal(run).record("b");
  t.deepEqual(reader.changes(), new Set(["b"]));
  writeFileSync(join(run, ".journal.tmp"), "c\n");
  renameSync(join(run, ".journal.tmp"), join(run, ".journal")); // another file: another inode
  t.is(reader.changes(), "all");
});
