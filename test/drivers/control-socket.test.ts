// The driver's side of a domain process's control socket (the lxc supervisor's and the kvm VMM's)
// against fake processes: every wait ends, with an answer or NoAnswerError, however the process
// misbehaves; a wedged process never holds a caller (and the node's lock) for good.
import test from "ava";
import { rmSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { controlWaitMs, NoAnswerError, openConsoleSocket, readStartReport, startSupervisor, supervisorCommand } from "../../src/drivers/hosted/control-client.js";
import { loadNativeShim } from "../../src/host/native.js";
import { scriptedProcess } from "../support/control-protocol.js";
import { processesLeft } from "../support/hosted.js";
import { tempDir } from "../support/temp.js";

const answers = (reply: string) => (client: Socket) => client.once("data", () => client.end(reply));
const neverAnswers = () => {};

test("a command gets the process's reply", async (t) => {
  const path = await scriptedProcess(t, answers("ok\n"));
  t.is(await supervisorCommand(path, "shutdown", 1000), "ok");
});

test("a command the process never answers fails with NoAnswerError after the wait", async (t) => {
  const path = await scriptedProcess(t, neverAnswers);
  const e = await t.throwsAsync(supervisorCommand(path, "destroy", 200), { instanceOf: NoAnswerError });
  t.is(e?.waitedMs, 200);
  t.is(e?.message, "no answer within 0.2 s");
});

test("a command to no process fails at once with the connection's error", async (t) => {
  const e = await t.throwsAsync(supervisorCommand("/nonexistent/virtkit.sock", "destroy", 10_000));
  t.is((e as NodeJS.ErrnoException).code, "ENOENT");
});

test("a console opens after the process's ok, with the bytes that followed it", async (t) => {
  const path = await scriptedProcess(t, answers("ok\nboot"));
  const console = await openConsoleSocket(path, false, 1000);
  const first = await new Promise<string>((resolve) => console.once("data", (b: Buffer) => resolve(b.toString())));
  console.destroy();
  t.is(first, "boot");
});

test("a console the process refuses, hangs up on, or never answers fails", async (t) => {
  t.is((await t.throwsAsync(openConsoleSocket(await scriptedProcess(t, answers("error busy\n")), false, 1000)))?.message, "busy");
  t.is((await t.throwsAsync(openConsoleSocket(await scriptedProcess(t, (c) => c.end()), false, 1000)))?.message, "closed");
  await t.throwsAsync(openConsoleSocket(await scriptedProcess(t, neverAnswers), false, 200), { instanceOf: NoAnswerError });
  const rambling = (client: Socket) => client.once("data", () => client.write("x".repeat(8192)));
  t.is((await t.throwsAsync(openConsoleSocket(await scriptedProcess(t, rambling), false, 10_000)))?.message, "no reply line");
});

test("a start report is read to its end; one that does not end within the wait fails with NoAnswerError", async (t) => {
  const pipe = new PassThrough();
  const report = readStartReport(pipe, 1000);
  pipe.end("ok\t42\t/dev/pts/3\n");
  t.deepEqual(await report, { ok: true, fields: ["42", "/dev/pts/3"] });

  const silent = new PassThrough();
  silent.write("ok\t4"); // part of a report, and then nothing
  await t.throwsAsync(readStartReport(silent, 200), { instanceOf: NoAnswerError });
});

test("a supervisor that never reports its start is killed, and the start fails by name", async (t) => {
  // a stand-in with the supervisor's name (the shim spawns nothing else), which holds the report pipe and says nothing
  const dir = tempDir("virtkit-control-test", "/tmp");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const program = join(dir, "virtkit-lxc-supervisor");
  writeFileSync(program, "#!/bin/sh\nexec sleep 600\n", { mode: 0o755 });
  const planFile = join(dir, "silent.plan");
  writeFileSync(planFile, "");
  t.deepEqual(await startSupervisor(loadNativeShim(), planFile, 200, program), { ok: false, step: "no start report within 0.2 s", errno: 0 });
  t.deepEqual(await processesLeft(planFile), [], "the silent supervisor is killed");
});

test("the control wait is 15 s unless VIRTKIT_CONTROL_WAIT_MS says otherwise", (t) => {
  t.is(controlWaitMs({}), 15_000);
  t.is(controlWaitMs({ VIRTKIT_CONTROL_WAIT_MS: "250" }), 250);
  t.is(controlWaitMs({ VIRTKIT_CONTROL_WAIT_MS: "nonsense" }), 15_000);
});
