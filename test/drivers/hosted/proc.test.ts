// Reading processes through proc(5): stat files whose command name holds spaces and
// parentheses, start times, command lines, and processes that are gone.
import test from "ava";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { killProcess, processCommandLine, processRunning, processStartTicks, procStat, waitUntilGone } from "../../../src/drivers/hosted/proc.js";
import { tempDir } from "../../support/temp.js";

/** Above the largest pid_max Linux allows (2^22): no process ever has it. */
const NEVER_A_PID = 4_194_305;

/** A stat line for pid 77 named `comm`, fields 3 to 22 numbered by their position (start time 2200). */
function statLine(comm: string): string {
  const rest = Array.from({ length: 20 }, (_, i) => (i === 0 ? "S" : String((i + 3) * 100)));
  return `77 (${comm}) ${rest.join(" ")} 0 0\n`;
}

for (const comm of ["plain", "two words", "a) (b", "x) S 1 2 (y", "(", ")"]) {
  test(`procStat takes the command name ${JSON.stringify(comm)} whole, and numbers the fields after it`, (t) => {
    const path = join(tempDir("virtkit-proc"), "stat");
    writeFileSync(path, statLine(comm));
    const fields = procStat(path);
    t.is(fields?.[1], "77");
    t.is(fields?.[2], comm);
    t.is(fields?.[3], "S");
    t.is(fields?.[14], "1400");
    t.is(fields?.[22], "2200");
  });
}

test("procStat of a process that is gone is undefined", (t) => {
  t.is(procStat(`/proc/${NEVER_A_PID}/stat`), undefined);
  t.is(processStartTicks(NEVER_A_PID), undefined);
});

test("this process's start time is its stat file's field 22, the same by pid and as self", (t) => {
  const ticks = processStartTicks("self");
  t.regex(ticks ?? "", /^\d+$/);
  t.is(processStartTicks(process.pid), ticks);
});

test("a running process is running and has a command line; a gone one has neither", (t) => {
  t.true(processRunning(process.pid));
  t.true(processCommandLine(process.pid).includes(process.execPath));
  t.false(processRunning(NEVER_A_PID));
  t.is(processCommandLine(NEVER_A_PID), "");
});

test("a killed process is gone once waitUntilGone returns; killing it again is harmless", async (t) => {
  const child = spawn("sleep", ["600"], { stdio: "ignore" });
  const pid = child.pid!;
  t.true(processRunning(pid));
  killProcess(pid);
  await waitUntilGone([pid]);
  t.false(processRunning(pid));
  t.notThrows(() => killProcess(NEVER_A_PID));
});
