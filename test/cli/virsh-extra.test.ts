// More virsh 9.0 transcripts beyond the golden set in test/fixtures, recorded from the real virsh by
// scripts/capture-virsh.mjs (virsh-extra-cases.txt lists the command lines): parsing corners,
// option errors, list filters, tuning, devices. Each must match byte for byte, after the masks.
import test from "ava";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { asWithDaemon, masked, runCli } from "../support/cli.js";
import { fixturePath } from "../support/fixtures.js";

interface Recorded {
  line: string;
  cwd: "fixtures" | "inputs";
  args: string[];
  stdout: string;
  stderr: string;
  status: number;
}

const recorded = JSON.parse(readFileSync(new URL("virsh-extra.json", import.meta.url), "utf8")) as { virsh: string; cases: Recorded[] };
const dirs = { fixtures: fileURLToPath(new URL("fixtures", import.meta.url)), inputs: fixturePath("virsh-golden", "inputs") };

/**
 * The recording machine was named "vm", and absolute paths there began elsewhere: both are
 * replaced by placeholders, in the recording and in what this machine prints.
 */
const local = (s: string) => masked(s.replace(/^vm$/m, "<host>").replace(/\/[^\s']*\/(test\/cli\/fixtures|virsh-golden\/inputs)\//g, "<cwd>/"));

for (const c of recorded.cases) {
  test.serial(c.line, async (t) => {
    const actual = await runCli(c.args, { cwd: dirs[c.cwd] });
    const here = (s: string) => masked(s.replace(new RegExp(`^${hostname()}$`, "m"), "<host>").replaceAll(`${dirs[c.cwd]}/`, "<cwd>/"));
    t.is(here(actual.stdout), local(c.stdout), "stdout");
    t.is(here(actual.stderr), local(asWithDaemon(c).stderr), "stderr");
    t.is(actual.status, c.status, "exit status");
  });
}
