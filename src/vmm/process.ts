// The main thread of a kvm:/// domain's VMM process (one per running guest, outliving whoever
// started it). It runs the guest (guest-runner.ts: vCPU 0 between turns of its event loop, and a
// thread per other vCPU), serves the control socket with the same protocol as the container
// supervisor (one command line, a reply, close; or "console" for a byte stream), delivers the
// guest's serial output (console client, <serial type='file'>), and records the domain's status
// for every process that looks at the node:
//   supervisor PID · vcpu TID… · state running|crashed|shutoff · paused 0|1 ·
//   reason booted|paused|unpaused (running), panicked (crashed: kept by on_crash preserve until
//   destroyed) or shutdown|destroyed|crashed (shutoff)
// Usage: node vmm/main PLAN_FILE   (fd 3: "ok\tPID[\tPTY]" or "error\tSTEP\tERRNO", then closed),
//    or: node vmm/main --spare DIR  (spare-process.ts: the plan comes later, from a claim)
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { Core, coreModule } from "../host/core.js";
import { loadNativeShim, type KvmShim } from "../host/native.js";
import { nodeCoreImports } from "../host/core-imports.js";
import { dropStartupPages } from "../host/resident-pages.js";
import { processStartTicks } from "../drivers/hosted/proc.js";
import { writeAtomically } from "../drivers/hosted/text-file.js";
import { NOT_RUNNING_REPLY } from "../drivers/hosted/control-client.js";
import { GuestRunner } from "./guest-runner.js";
import { SerialPty } from "./serial-pty.js";
import { secondaryMailboxes, secondaryThreads, type SecondaryThreadData } from "./secondary-vcpus.js";
import { parseVmmPlan, type VmmPlan } from "./plan.js";

const REPORT_FD = 3;

/** Reports the start to whoever spawned this process, on fd 3. */
function reportOnFd3(line: string): void {
  try {
    writeSync(REPORT_FD, `${line}\n`);
    closeSync(REPORT_FD);
  } catch {
    // the starter went away; the status file still says what happened
  }
}

/**
 * The other vCPUs' threads run this same program. From TypeScript sources (tests, under tsx) the
 * worker first registers tsx's loader itself: Node 20 does not pass --import hooks on to workers.
 */
function startThread(entry: string, data: SecondaryThreadData): Worker {
  const options = { workerData: data };
  if (!entry.endsWith(".ts")) return new Worker(entry, options);
  const bootstrap = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** Hands a client's first line (and the bytes after it) to `then`; a client that errs is dropped. */
export function onFirstLine(client: Socket, then: (line: string, rest: Buffer) => void): void {
  let line = "";
  const onData = (chunk: Buffer) => {
    line += chunk.toString("latin1");
    const nl = line.indexOf("\n");
    if (nl < 0) return;
    client.off("data", onData);
    then(line.slice(0, nl), Buffer.from(line.slice(nl + 1), "latin1"));
  };
  client.on("data", onData);
  client.on("error", () => client.destroy());
}

/** A failed step as the start report gives it: "SYSCALL [PATH]\tERRNO" (or the message, errno 0). */
function failedStep(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return `${err.syscall ? `${err.syscall}${err.path ? ` ${err.path}` : ""}` : err.message}\t${Math.abs(err.errno ?? 0)}`;
}

/** What a VMM needs before its plan: the shim's KVM wrappers and a core (a spare has them ready). */
export interface VmmRuntime {
  kvm: KvmShim;
  core: Core;
}

/** Standard error is the domain's log when the driver started this process for the domain. */
const logToStderr = (line: string) => void process.stderr.write(`${line}\n`);

/**
 * Runs the guest of a plan; `report` tells the starter "ok\tPID[\tPTY]" or "error\tSTEP\tERRNO" (once),
 * `log` takes the lines of the domain's log.
 */
export function runVmmProcess(entry: string, planFile: string, report: (line: string) => void = reportOnFd3, runtime?: VmmRuntime, log: (line: string) => void = logToStderr): void {
  let plan: VmmPlan;
  let serialFile = -1;
  let pty: SerialPty | undefined;
  /** The serial line's host ends: <serial type='file'> appends to its file, type='pty' has a host pty. */
  const closeSerial = () => {
    if (serialFile >= 0) closeSync(serialFile);
    pty?.close();
  };
  try {
    plan = parseVmmPlan(readFileSync(planFile, "utf8"));
    if (plan.serial.kind === "file") serialFile = openSync(plan.serial.path, "a", 0o600);
    if (plan.serial.kind === "pty") pty = new SerialPty(loadNativeShim(), (bytes) => runner.input(bytes));
  } catch (e) {
    report(`error\t${failedStep(e)}`);
    closeSerial();
    process.exitCode = 1;
    return;
  }
  const { kvm, core } = runtime ?? { kvm: loadNativeShim().kvm, core: new Core(coreModule(), nodeCoreImports) };
  /** What the starter learns besides the pid: the serial line's pty. */
  const started = `ok\t${process.pid}${pty ? `\t${pty.path}` : ""}`;
  const mailboxes = plan.vcpus > 1 ? secondaryMailboxes(plan.vcpus - 1) : undefined;
  const secondaries = Array.from({ length: plan.vcpus - 1 }, (_, index) => startThread(entry, { secondary: index, mailboxes: mailboxes! }));
  let console: Socket | undefined;
  let reported = false;
  /** Clients waiting for the guest to end (destroy). */
  const waiting: Socket[] = [];
  const runner = new GuestRunner(plan, kvm, core, mailboxes, {
    log,
    output(bytes) {
      console?.write(bytes);
      if (serialFile >= 0) writeSync(serialFile, bytes);
      pty?.write(bytes);
    },
    ended: (reason) => finish(reason),
    crashed: () => {
      recordStatus("crashed", "panicked");
      reportOnce(started); // a guest that crashed at once still started (and stays)
    },
  });

  const reportOnce = (line: string) => {
    if (reported) return;
    reported = true;
    report(line);
  };

  /** When this process started: with its pid, it names this process for whoever reads the status. */
  const startTicks = processStartTicks("self");
  const startedLine = startTicks === undefined ? "" : `started ${startTicks}\n`; // without it, readers go by the pid alone
  const vcpuThreads = () => [runner.threadId, ...(mailboxes ? secondaryThreads(mailboxes) : [])].join(" ");
  const recordStatus = (state: "running" | "crashed" | "shutoff", reason: string) =>
    writeAtomically(plan.status, `supervisor ${process.pid}\n${startedLine}vcpu ${vcpuThreads()}\nstate ${state}\nreason ${reason}\npaused ${runner.isPaused ? 1 : 0}\n`);

  const server = createServer((client) => onFirstLine(client, (line, rest) => command(client, line.trim(), rest)));

  let finished = false;
  const command = (client: Socket, text: string, rest: Buffer) => {
    const [verb, arg] = text.split(" ");
    // a command that read after the guest ended (the same turn), or one that needs it running while it is kept crashed
    if (finished) return void client.end(verb === "destroy" ? "ok\n" : `${NOT_RUNNING_REPLY}\n`);
    if (runner.isCrashed && verb !== "console" && verb !== "destroy") return void client.end(`${NOT_RUNNING_REPLY}\n`);
    if (verb === "console") {
      if (console && !console.destroyed && arg !== "force") return void client.end("error busy\n");
      console?.destroy();
      console = client;
      client.write("ok\n");
      const input = (bytes: Buffer) => runner.input(new Uint8Array(bytes));
      if (rest.length > 0) input(rest);
      client.on("data", input);
      client.on("close", () => {
        if (console === client) console = undefined;
      });
    } else if (verb === "destroy") {
      waiting.push(client);
      runner.destroy();
    } else if (verb === "suspend" || verb === "resume") {
      if ((verb === "suspend") !== runner.isPaused) {
        if (verb === "suspend") runner.pause();
        else runner.resume();
        recordStatus("running", runner.isPaused ? "paused" : "unpaused");
      }
      client.end("ok\n");
    } else if (verb === "shutdown" || verb === "reboot" || verb === "reset") {
      if (verb === "shutdown") runner.powerButton();
      else if (verb === "reboot") runner.reboot();
      else runner.reset();
      client.end("ok\n");
    } else {
      client.end(`error unknown command ${verb}\n`);
    }
  };

  const finish = (reason: string) => {
    finished = true;
    server.close();
    rmSync(plan.control, { force: true });
    closeSerial();
    recordStatus("shutoff", reason);
    // a guest that ended at once still started: its starter reads the status after this
    reportOnce(started);
    for (const client of waiting.splice(0)) client.end("ok\n");
    console?.end();
    for (const s of secondaries) void s.terminate();
    process.exitCode = 0;
  };

  try {
    runner.start();
  } catch (e) {
    reportOnce(`error\t${failedStep(e)}`);
    rmSync(plan.status, { force: true });
    for (const s of secondaries) void s.terminate();
    closeSerial();
    process.exitCode = 1;
    return;
  }
  rmSync(plan.control, { force: true });
  server.listen(plan.control, () => {
    if (reported) return; // the guest ended already
    recordStatus("running", "booted");
    reportOnce(started);
    // what the process touched to get here (most of Node's binary) is not its guest's working set
    setImmediate(() => dropStartupPages(loadNativeShim()));
  });
  for (const s of secondaries) {
    s.on("error", (e) => {
      log(`vCPU thread: ${e.message}`);
      runner.destroy();
    });
  }
  server.on("error", (e: NodeJS.ErrnoException) => {
    reportOnce(`error\tcontrol socket ${plan.control}\t${e.errno ? Math.abs(e.errno) : 0}`);
    runner.destroy();
  });
}
