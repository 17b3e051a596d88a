// The node's text files: reads that take a missing file as no answer, writes that are never
// seen half done and leave nothing behind when they fail.
import test from "ava";
import { chmodSync, closeSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { openLog, readText, writeAtomically } from "../../../src/drivers/hosted/text-file.js";
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

test("a link planted where the temporary file used to be named is not written through", (t) => {
  const dir = tempDir("virtkit-text-file");
  const target = join(dir, "target");
  writeFileSync(target, "someone else's\n");
  const path = join(dir, "dom.status");
  // the name writeAtomically once used (path.tmp-PID): predictable, so a link could wait there
  symlinkSync(target, `${path}.tmp-${process.pid}`);
  writeAtomically(path, "state running\n");
  t.is(readFileSync(target, "utf8"), "someone else's\n");
  t.is(readFileSync(path, "utf8"), "state running\n");
  t.false(lstatSync(path).isSymbolicLink());
});

test("a link standing at the file itself is replaced, not followed", (t) => {
  const dir = tempDir("virtkit-text-file");
  const target = join(dir, "target");
  writeFileSync(target, "someone else's\n");
  const path = join(dir, "c1.xml");
  symlinkSync(target, path);
  writeAtomically(path, "<domain/>\n");
  t.is(readFileSync(target, "utf8"), "someone else's\n");
  t.false(lstatSync(path).isSymbolicLink());
  t.is(readFileSync(path, "utf8"), "<domain/>\n");
});

test("the file is 0600 whatever the umask, and whatever it replaces", (t) => {
  const dir = tempDir("virtkit-text-file");
  const path = join(dir, "web");
  writeFileSync(path, "");
  chmodSync(path, 0o666);
  // (synchronous between the two umask calls: nothing else in this process runs meanwhile)
  for (const umask of [0o277, 0o000]) {
    const before = process.umask(umask);
    try {
      writeAtomically(path, "");
    } finally {
      process.umask(before);
    }
    t.is(statSync(path).mode & 0o777, 0o600, `umask 0${umask.toString(8)}`);
  }
});

test("a log is appended to, created 0600, and never opened through a link", (t) => {
  const dir = tempDir("virtkit-text-file");
  const log = join(dir, "g1.log");
  for (const line of ["one\n", "two\n"]) {
    const fd = openLog(log);
    writeSync(fd, line);
    closeSync(fd);
  }
  t.is(readFileSync(log, "utf8"), "one\ntwo\n");
  t.is(statSync(log).mode & 0o777, 0o600);
  const target = join(dir, "target");
  writeFileSync(target, "kept\n");
  symlinkSync(target, join(dir, "planted.log"));
  t.throws(() => openLog(join(dir, "planted.log")), { code: "ELOOP" });
  t.is(readFileSync(target, "utf8"), "kept\n");
});
