// More virsh 9.0 transcripts beyond the golden set in test/fixtures, recorded from the real virsh by
// scripts/capture-virsh.mjs (virsh-extra-cases.txt lists the command lines): parsing corners,
// option errors, list filters, tuning, devices. Each must match byte for byte, after the masks.
import test from "ava";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { asWithDaemon, masked, readExtraCases, recordedElsewhere as local, runCli } from "../support/cli.js";
import { fixturePath } from "../support/fixtures.js";

const dirs = { fixtures: fileURLToPath(new URL("fixtures", import.meta.url)), inputs: fixturePath("virsh-golden", "inputs") };

for (const c of readExtraCases()) {
  test.serial(c.line, async (t) => {
    const actual = await runCli(c.args, { cwd: dirs[c.cwd] });
    const here = (s: string) => masked(s.replace(new RegExp(`^${hostname()}$`, "m"), "<host>").replaceAll(`${dirs[c.cwd]}/`, "<cwd>/"));
    t.is(here(actual.stdout), local(c.stdout), "stdout");
    t.is(here(actual.stderr), local(asWithDaemon(c).stderr), "stderr");
    t.is(actual.status, c.status, "exit status");
  });
}
