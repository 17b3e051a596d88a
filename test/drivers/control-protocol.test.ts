// The control protocol (docs/control-protocol.md) against each of its implementations, with the
// same script (test/support/control-protocol.ts): every command, malformed and unknown ones, the
// console, destroy, and the status file around them. The container supervisor runs a real
// container (root); the VMM's control server runs over a stand-in guest whose serial line loops
// back; the driver's client talks to a process scripted from the same table.
import test, { type ExecutionContext } from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { NOT_RUNNING_REPLY, openConsoleSocket, readStartReport, supervisorCommand } from "../../src/drivers/hosted/control-client.js";
import { killProcess } from "../../src/drivers/hosted/proc.js";
import { parseStatus } from "../../src/drivers/hosted/status-file.js";
import { supervisorPath } from "../../src/host/native.js";
import type { DiskStats } from "../../src/vmm/disks.js";
import type { BalloonState } from "../../src/vmm/guest-runner.js";
import { ControlServer, type ControlledGuest } from "../../src/vmm/control-server.js";
import { onFirstLine } from "../../src/vmm/first-line.js";
import { StatusFile } from "../../src/vmm/status-file.js";
import { COMMANDS, ConsoleClient, exchange, IMPLEMENTATIONS, isReply, sampleReply, scriptedProcess, type Implementation } from "../support/control-protocol.js";
import { needsRoot, testIf } from "../support/gated.js";
import { tempDir } from "../support/temp.js";

/** A domain's process, serving: its control socket, its status file, and its pid as the status gives it. */
interface Serving {
  socket: string;
  status: string;
  pid: number;
  /** The plan's instance token, which names the socket and the status file. */
  instance: string;
}

/** Two instances' tokens, as core.wasm writes them (12 hex digits). */
const INSTANCES = ["0123456789ab", "ba9876543210"];

/** Whether bytes sent after "console\n" in the same write reach the guest (spec: "console"). */
const KEEPS_BYTES_AFTER_CONSOLE_LINE: Record<Implementation, boolean> = { supervisor: false, vmm: true };

const statusOf = (domain: Serving) => parseStatus(readFileSync(domain.status, "utf8"));

/** The script every implementation passes, from a running domain to its destroy. */
async function conforms(t: ExecutionContext, impl: Implementation, domain: Serving): Promise<void> {
  t.like(statusOf(domain), { supervisor: String(domain.pid), instance: domain.instance, state: "running", reason: "booted" });
  t.true(domain.socket.includes(domain.instance) && domain.status.includes(domain.instance), "the instance names its files");
  t.is(statSync(domain.status).mode & 0o777, 0o600, "the status file is the driver's alone");
  t.is(statSync(domain.socket).mode & 0o777, 0o600, "so is the control socket");

  for (const { what, send, halfClose, reply } of COMMANDS) {
    const got = await exchange(domain.socket, send, halfClose);
    t.true(isReply(got, reply[impl]), `${what}: ${JSON.stringify(got)}, not ${JSON.stringify(reply[impl])}`);
  }
  t.like(statusOf(domain), { supervisor: String(domain.pid), state: "running" }, "the commands left it running");

  // the console: "ok", then the guest's serial line both ways; one client at a time unless forced
  const first = await ConsoleClient.open(domain.socket, "console\nearly\n");
  await first.until("ok\n");
  t.true(first.received.startsWith("ok\n"));
  first.socket.write("ping\n");
  await first.until("ping");
  t.is(first.received.includes("early"), KEEPS_BYTES_AFTER_CONSOLE_LINE[impl], "bytes after the console line");
  t.is(await exchange(domain.socket, "console\n"), "error busy\n");
  const second = await ConsoleClient.open(domain.socket, "console force\n");
  await second.until("ok\n");
  await first.closed; // forced off
  second.socket.write("pong\n");
  await second.until("pong");

  // destroy: "ok" once the domain has ended and its end is recorded; then the socket is gone
  t.is(await exchange(domain.socket, "destroy\n"), "ok\n");
  t.like(statusOf(domain), { state: "shutoff", reason: "destroyed" });
  await second.closed;
  t.false(existsSync(domain.socket));
  await t.throwsAsync(exchange(domain.socket, "status\n"), { code: "ENOENT" });
}

// ---- (a) the container supervisor -------------------------------------------------------------------

/** Starts the supervisor on a container whose init (cat) echoes its console; resolves once it reports. */
async function startContainer(t: ExecutionContext, dir = tempDir("virtkit-test", "/run"), instance = INSTANCES[0]): Promise<Serving> {
  const root = join(dir, `root.${instance}`);
  mkdirSync(root);
  const [socket, statusPath] = [join(dir, `dom.${instance}.sock`), join(dir, `dom.${instance}.status`)];
  const plan = [
    ["instance", instance],
    ["control", socket],
    ["status", statusPath],
    ["clone", "mnt", "uts", "ipc", "pid"],
    ["console"],
    ["make-rprivate"],
    ["bind", "/", root, "1", "0"],
    ["mount", "proc", "proc", join(root, "proc"), "nosuid,nodev,noexec", ""],
    ["pivot", root],
    ["stdio"],
    ["exec", "/bin/cat"],
  ];
  const planFile = join(dir, `plan.${instance}`);
  writeFileSync(planFile, plan.map((line) => line.join("\t") + "\n").join(""));
  const child = spawn(supervisorPath(), [planFile], { stdio: ["ignore", "ignore", "inherit", "pipe"] });
  const report = await readStartReport(child.stdio[3] as NodeJS.ReadableStream, 10_000);
  if (!report.ok) throw new Error(`the supervisor did not start: ${report.step} (${report.errno})`);
  t.teardown(() => {
    // what a failed script left running: the supervisor and its init (a restarted init has another pid)
    const status = parseStatus(readFileSync(statusPath, "utf8"));
    if (child.exitCode !== null || status.state !== "running") return;
    killProcess(child.pid!);
    killProcess(Number(status.init));
  });
  return { socket, status: statusPath, pid: child.pid!, instance };
}

testIf(needsRoot("a container for the supervisor"))("the container supervisor speaks the protocol", async (t) => {
  await conforms(t, "supervisor", await startContainer(t));
});

testIf(needsRoot("a container for the supervisor"))("an old supervisor instance ending leaves a newer one's files alone", async (t) => {
  const dir = tempDir("virtkit-test", "/run");
  const old = await startContainer(t, dir, INSTANCES[0]);
  const newer = await startContainer(t, dir, INSTANCES[1]);
  const before = readFileSync(newer.status, "utf8");
  t.is(await exchange(old.socket, "destroy\n"), "ok\n");
  t.like(statusOf(old), { instance: INSTANCES[0], state: "shutoff", reason: "destroyed" });
  t.false(existsSync(old.socket));
  t.is(readFileSync(newer.status, "utf8"), before, "the newer instance's status is untouched");
  t.true(existsSync(newer.socket), "and so is its socket");
  await conforms(t, "supervisor", newer);
});

// ---- (b) the VMM's control server ------------------------------------------------------------------------

/** A guest whose serial line loops back, as the VMM process wires a GuestRunner (process.ts). */
class LoopbackGuest implements ControlledGuest {
  isPaused = false;
  isCrashed = false;
  /** What the control server asked of it, in order. */
  readonly asked: string[] = [];
  output: (bytes: Uint8Array) => void = () => {};
  ended: () => void = () => {};

  input(bytes: Uint8Array): void {
    this.output(bytes);
  }
  destroy(): void {
    this.asked.push("destroy");
    this.ended();
  }
  pause(): void {
    this.asked.push("pause");
    this.isPaused = true;
  }
  resume(): void {
    this.asked.push("resume");
    this.isPaused = false;
  }
  powerButton(): void {
    this.asked.push("powerButton");
  }
  reboot(): void {
    this.asked.push("reboot");
  }
  reset(): void {
    this.asked.push("reset");
  }
  blockStats(target: string): DiskStats | undefined {
    this.asked.push(`blockStats ${target}`);
    return target === "vda" ? { rd_operations: 3, rd_bytes: 1536, wr_operations: 1, wr_bytes: 512, flush_operations: 1, rd_total_times: 900, wr_total_times: 400, flush_total_times: 70 } : undefined;
  }
  /** A guest with a balloon only once hasBalloon is set. */
  hasBalloon = false;
  setBalloonTarget(pages: number): boolean {
    this.asked.push(`setBalloonTarget ${pages}`);
    return this.hasBalloon;
  }
  async memoryStats(): Promise<BalloonState | undefined> {
    this.asked.push("memoryStats");
    return this.hasBalloon ? { targetPages: 256, actualPages: 200, updatedMs: 1_700_000_000_000, stats: [0, 0, 3, 400, 1024, 2048, -1, 512, -1, -1] } : undefined;
  }
}

/** A VMM's control server and status file over a loopback guest; resolves once it listens. */
async function startVmm(t: ExecutionContext, dir = tempDir("virtkit-control-test", "/tmp"), instance = INSTANCES[0]): Promise<Serving & { guest: LoopbackGuest }> {
  const [socket, statusPath] = [join(dir, `dom.${instance}.sock`), join(dir, `dom.${instance}.status`)];
  const guest = new LoopbackGuest();
  const status = new StatusFile(statusPath, instance, () => [process.pid], () => guest.isPaused);
  const control = new ControlServer(socket, guest, () => status.record("running", guest.isPaused ? "paused" : "unpaused"));
  guest.output = (bytes) => control.output(bytes);
  guest.ended = () => {
    control.close();
    status.record("shutoff", "destroyed");
    control.hangUp();
  };
  t.teardown(() => control.close());
  await new Promise<void>((listening, failed) => control.listen(listening, failed));
  status.record("running", "booted");
  return { socket, status: statusPath, pid: process.pid, instance, guest };
}

test("the VMM's control server speaks the protocol", async (t) => {
  const vmm = await startVmm(t);
  await conforms(t, "vmm", vmm);
  t.deepEqual(vmm.guest.asked, ["powerButton", "powerButton", "reboot", "pause", "resume", "reset", "destroy"]);
});

test("the VMM answers blkstat with a disk's counters, by its target name", async (t) => {
  const vmm = await startVmm(t);
  t.is(await exchange(vmm.socket, "blkstat vda\n"), "ok rd_operations 3 rd_bytes 1536 wr_operations 1 wr_bytes 512 flush_operations 1 rd_total_times 900 wr_total_times 400 flush_total_times 70\n");
  t.is(await exchange(vmm.socket, "blkstat vdz\n"), "error no such disk\n");
  t.deepEqual(vmm.guest.asked, ["blockStats vda", "blockStats vdz"]);
});

test("the VMM takes setmem (the balloon's pages) and answers memstat with the balloon's state", async (t) => {
  const vmm = await startVmm(t);
  t.is(await exchange(vmm.socket, "setmem 256\n"), "error no balloon\n");
  t.is(await exchange(vmm.socket, "memstat\n"), "error no balloon\n");
  vmm.guest.hasBalloon = true;
  t.is(await exchange(vmm.socket, "setmem 256\n"), "ok\n");
  t.is(await exchange(vmm.socket, "setmem -3\n"), "error no balloon\n", "not a page count");
  t.is(await exchange(vmm.socket, "memstat\n"), "ok target 256 actual 200 updated 1700000000000 stats 0,0,3,400,1024,2048,-1,512,-1,-1\n");
  t.deepEqual(vmm.guest.asked, ["setBalloonTarget 256", "memoryStats", "setBalloonTarget 256", "memoryStats"]);
});

test("an old VMM instance ending leaves a newer one's files alone", async (t) => {
  const dir = tempDir("virtkit-control-test", "/tmp");
  const old = await startVmm(t, dir, INSTANCES[0]);
  const newer = await startVmm(t, dir, INSTANCES[1]);
  const before = readFileSync(newer.status, "utf8");
  t.is(await exchange(old.socket, "destroy\n"), "ok\n");
  t.like(statusOf(old), { instance: INSTANCES[0], state: "shutoff" });
  t.false(existsSync(old.socket));
  t.is(readFileSync(newer.status, "utf8"), before, "the newer instance's status is untouched");
  await conforms(t, "vmm", newer);
});

test("the VMM's suspend and resume record the change once", async (t) => {
  const vmm = await startVmm(t);
  for (const command of ["suspend", "suspend"]) t.is(await exchange(vmm.socket, `${command}\n`), "ok\n");
  t.like(statusOf(vmm), { state: "running", reason: "paused", paused: "1" });
  for (const command of ["resume", "resume"]) t.is(await exchange(vmm.socket, `${command}\n`), "ok\n");
  t.like(statusOf(vmm), { state: "running", reason: "unpaused", paused: "0" });
  t.deepEqual(vmm.guest.asked, ["pause", "resume"]);
});

test("a VMM guest kept crashed takes only the console and destroy", async (t) => {
  const vmm = await startVmm(t);
  vmm.guest.isCrashed = true;
  for (const command of ["suspend", "resume", "shutdown", "reboot", "reset", "frobnicate"]) t.is(await exchange(vmm.socket, `${command}\n`), `${NOT_RUNNING_REPLY}\n`, command);
  const console = await ConsoleClient.open(vmm.socket, "console\n");
  await console.until("ok\n");
  t.is(await exchange(vmm.socket, "destroy\n"), "ok\n");
  await console.closed;
  t.deepEqual(vmm.guest.asked, ["destroy"]);
});

test("a command whose line arrives after the VMM's guest ended: destroy is done, anything else is not running", async (t) => {
  const vmm = await startVmm(t);
  const late = await Promise.all(["destroy", "reboot"].map((command) => lateClient(vmm.socket, command)));
  t.is(await exchange(vmm.socket, "status\n"), "error unknown command status\n"); // accepted after the two: they are in
  t.is(await exchange(vmm.socket, "destroy\n"), "ok\n");
  t.deepEqual(await Promise.all(late.map((finish) => finish())), ["ok\n", `${NOT_RUNNING_REPLY}\n`]);
  t.deepEqual(vmm.guest.asked, ["destroy"]);
});

/** Connects and sends a command without its newline; the returned function sends the newline and reads the reply. */
async function lateClient(socketPath: string, command: string): Promise<() => Promise<string>> {
  const socket = await new Promise<Socket>((connected, failed) => {
    const s = connect(socketPath, () => connected(s));
    s.on("error", failed);
  });
  socket.write(command);
  let reply = "";
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => (reply += d));
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(reply)));
  return () => {
    socket.write("\n");
    return closed;
  };
}

// ---- (c) the driver's client ----------------------------------------------------------------------------

/** A process that answers each command line with `answer(line)`, recording the lines it got. */
function answering(lines: string[], answer: (line: string) => string): (client: Socket) => void {
  return (client) =>
    onFirstLine(client, (line) => {
      lines.push(line);
      client.end(answer(line));
    });
}

/** What the driver sends: a command, and its newline (never an empty line, never without the newline). */
const DRIVER_COMMANDS = COMMANDS.filter(({ send, halfClose }) => !halfClose && send !== "\n");

for (const impl of IMPLEMENTATIONS) {
  test(`the driver's client sends each command as one line and takes the reply of a ${impl}`, async (t) => {
    const lines: string[] = [];
    const replies = new Map(DRIVER_COMMANDS.map(({ send, reply }) => [send.trimEnd(), sampleReply(reply[impl])]));
    const socket = await scriptedProcess(t, answering(lines, (line) => replies.get(line) ?? "ok\n"));
    for (const { send, reply } of DRIVER_COMMANDS) t.is(await supervisorCommand(socket, send.trimEnd(), 1000), sampleReply(reply[impl]).trim(), send);
    t.is(await supervisorCommand(socket, "destroy", 1000), "ok");
    t.deepEqual(lines, [...DRIVER_COMMANDS.map(({ send }) => send.trimEnd()), "destroy"]);
  });
}

test("the driver's client opens the console on ok, and gives the process's words when refused", async (t) => {
  const lines: string[] = [];
  const refusals = ["error busy\n", "error no console\n"];
  const socket = await scriptedProcess(t, answering(lines, (line) => (line === "console force" ? "ok\nguest bytes" : (refusals.shift() ?? ""))));
  t.is((await t.throwsAsync(openConsoleSocket(socket, false, 1000)))?.message, "busy");
  t.is((await t.throwsAsync(openConsoleSocket(socket, false, 1000)))?.message, "no console");
  const console = await openConsoleSocket(socket, true, 1000);
  t.is(await new Promise<string>((resolve) => console.once("data", (b: Buffer) => resolve(b.toString()))), "guest bytes");
  console.destroy();
  t.deepEqual(lines, ["console", "console", "console force"]);
});
