// <run>/NAME.status as the driver reads it: the fields a domain's process writes, the end the
// driver records itself, and what a damaged or missing file reads as (nothing running).
import test from "ava";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { activeOnDisk, parseStatus, readStatus, Shutoff, shutoffReason, writeShutoffStatus } from "../../../src/drivers/hosted/status-file.js";
import { tempDir } from "../../support/temp.js";

test("a supervisor's status reads field by field, values with spaces whole", (t) => {
  const status = parseStatus("supervisor 4242\nstarted 987654\ninit 4243\nstate running\nreason booted\nvcpu 4250 4251\n");
  t.deepEqual(status, { supervisor: "4242", started: "987654", init: "4243", state: "running", reason: "booted", vcpu: "4250 4251" });
  t.true(activeOnDisk(status));
});

test("a domain crashed and kept (on_crash preserve) is still active on disk", (t) => {
  t.true(activeOnDisk(parseStatus("supervisor 1\nstate crashed\nreason crashed\n")));
});

test("the end the driver records reads back as that end", (t) => {
  const path = join(tempDir("virtkit-status"), "dom.status");
  writeFileSync(path, "supervisor 4242\nstate running\nreason booted\n");
  for (const [word, reason] of [
    ["destroyed", Shutoff.DESTROYED],
    ["crashed", Shutoff.CRASHED],
  ] as const) {
    writeShutoffStatus(path, word);
    const status = readStatus(path);
    t.deepEqual(status, { state: "shutoff", reason: word }); // the dead process's pid is gone with it
    t.false(activeOnDisk(status));
    t.is(shutoffReason(status), reason);
  }
});

test("each recorded reason maps to libvirt's shutoff reason", (t) => {
  const reasonOf = (word: string) => shutoffReason(parseStatus(`state shutoff\nreason ${word}\n`));
  t.is(reasonOf("shutdown"), Shutoff.SHUTDOWN);
  t.is(reasonOf("destroyed"), Shutoff.DESTROYED);
  t.is(reasonOf("crashed"), Shutoff.CRASHED);
  t.is(reasonOf("failed"), Shutoff.FAILED);
  t.is(reasonOf("rebooted"), Shutoff.UNKNOWN);
});

test("a missing status file reads as no fields: not active, reason unknown", (t) => {
  const status = readStatus(join(tempDir("virtkit-status"), "none.status"));
  t.deepEqual(status, {});
  t.false(activeOnDisk(status));
  t.is(shutoffReason(status), Shutoff.UNKNOWN);
});

test("malformed lines are skipped: no key, no value, a cut-off file", (t) => {
  const status = parseStatus(" state running\nstate\n\nreason\r\nsupervisor 12\r\nstate runn");
  t.deepEqual(status, { supervisor: "12\r", state: "runn" });
  t.false(activeOnDisk(status)); // half a word is not "running"
  t.is(shutoffReason(status), Shutoff.UNKNOWN);
});

test("a key given twice keeps its last value", (t) => {
  t.is(parseStatus("state running\nstate shutoff\n").state, "shutoff");
});
