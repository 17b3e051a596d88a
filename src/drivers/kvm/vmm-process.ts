// The main thread of a kvm:/// domain's VMM process (one per running guest, outliving whoever
// started it). It starts the vCPU thread, then serves the control socket with the same protocol
// as the container supervisor (one command line, a reply, close; or "console" for a byte stream),
// delivers the guest's serial output (console client, <serial type='file'>), and records the
// domain's status for every process that looks at the node:
//   supervisor PID · vcpu TID · state running|shutoff · paused 0|1 ·
//   reason booted|paused|unpaused (running) or shutdown|destroyed|crashed (shutoff)
// Usage: node vmm-main PLAN_FILE   (fd 3: "ok\tPID" or "error\tSTEP\tERRNO", then closed)
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { pathToFileURL } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { loadNativeShim } from "../../host/native.js";
import { writeAtomically } from "../hosted.js";
import { secondaryMailboxes, secondaryThreads, type SecondaryThreadData } from "./secondary-vcpus.js";
import type { VcpuCommand, VcpuReport, VcpuThreadData } from "./vcpu-thread.js";
import { parseVmmPlan } from "./vmm-plan.js";

const REPORT_FD = 3;

/**
 * The vCPU thread runs this same program. From TypeScript sources (tests, under tsx) the worker
 * first registers tsx's loader itself: Node 20 does not pass --import hooks on to workers.
 */
function startThread(entry: string, data: VcpuThreadData | SecondaryThreadData, transferList: MessagePort[] = []): Worker {
  const options = { workerData: data, transferList };
  if (!entry.endsWith(".ts")) return new Worker(entry, options);
  const bootstrap = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export function runVmmProcess(entry: string, planFile: string): void {
  const plan = parseVmmPlan(readFileSync(planFile, "utf8"));
  let serialFile = -1;
  try {
    if (plan.serial.kind === "file") serialFile = openSync(plan.serial.path, "a", 0o600);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    writeSync(REPORT_FD, `error\topen ${err.path ?? ""}\t${Math.abs(err.errno ?? 0)}\n`);
    process.exitCode = 1;
    return;
  }
  const kvm = loadNativeShim().kvm;
  const channel = new MessageChannel();
  const wake = new SharedArrayBuffer(4);
  const wakeWord = new Int32Array(wake);
  const mailboxes = plan.vcpus > 1 ? secondaryMailboxes(plan.vcpus - 1) : undefined;
  const data: VcpuThreadData = { plan, port: channel.port2, wake, secondaries: mailboxes };
  const worker = startThread(entry, data, [channel.port2]);
  const secondaries = Array.from({ length: plan.vcpus - 1 }, (_, index) => startThread(entry, { secondary: index, mailboxes: mailboxes! }));

  let vcpuThread = 0;
  let paused = false;
  let reported = false;
  let console: Socket | undefined;
  /** Clients waiting for the vCPU to reach a state: "paused", "resumed", "ended". */
  const waiting: { until: string; client: Socket }[] = [];

  const reportOnce = (line: string) => {
    if (reported) return;
    reported = true;
    try {
      writeSync(REPORT_FD, `${line}\n`);
      closeSync(REPORT_FD);
    } catch {
      // the starter went away; the status file still says what happened
    }
  };

  const vcpuThreads = () => [vcpuThread, ...(mailboxes ? secondaryThreads(mailboxes) : [])].join(" ");
  const recordStatus = (state: "running" | "shutoff", reason: string) =>
    writeAtomically(plan.status, `supervisor ${process.pid}\nvcpu ${vcpuThreads()}\nstate ${state}\nreason ${reason}\npaused ${paused ? 1 : 0}\n`);

  const send = (command: VcpuCommand) => {
    channel.port1.postMessage(command);
    Atomics.store(wakeWord, 0, 1);
    Atomics.notify(wakeWord, 0);
    if (vcpuThread) kvm.kick(vcpuThread);
  };

  const answer = (until: string) => {
    for (let i = waiting.length - 1; i >= 0; i--) {
      if (waiting[i].until !== until) continue;
      waiting[i].client.end("ok\n");
      waiting.splice(i, 1);
    }
  };

  const server = createServer((client) => {
    let line = "";
    const onData = (chunk: Buffer) => {
      line += chunk.toString("latin1");
      const nl = line.indexOf("\n");
      if (nl < 0) return;
      client.off("data", onData);
      const rest = Buffer.from(line.slice(nl + 1), "latin1");
      command(client, line.slice(0, nl).trim(), rest);
    };
    client.on("data", onData);
    client.on("error", () => client.destroy());
  });

  const command = (client: Socket, text: string, rest: Buffer) => {
    const [verb, arg] = text.split(" ");
    if (verb === "console") {
      if (console && !console.destroyed && arg !== "force") return void client.end("error busy\n");
      console?.destroy();
      console = client;
      client.write("ok\n");
      const input = (bytes: Buffer) => send({ cmd: "input", bytes: new Uint8Array(bytes) });
      if (rest.length > 0) input(rest);
      client.on("data", input);
      client.on("close", () => {
        if (console === client) console = undefined;
      });
    } else if (verb === "destroy") {
      waiting.push({ until: "ended", client });
      send({ cmd: "destroy" });
    } else if (verb === "suspend" || verb === "resume") {
      if ((verb === "suspend") === paused) return void client.end("ok\n");
      waiting.push({ until: verb === "suspend" ? "paused" : "resumed", client });
      send({ cmd: verb === "suspend" ? "pause" : "resume" });
    } else if (verb === "shutdown" || verb === "reboot" || verb === "reset") {
      send({ cmd: verb === "shutdown" ? "power" : verb });
      client.end("ok\n");
    } else {
      client.end(`error unknown command ${verb}\n`);
    }
  };

  const finish = (reason: string) => {
    // a guest that ended at once still started: the status says how it ended
    if (vcpuThread) reportOnce(`ok\t${process.pid}`);
    server.close();
    rmSync(plan.control, { force: true });
    if (serialFile >= 0) closeSync(serialFile);
    recordStatus("shutoff", reason);
    answer("ended");
    for (const w of waiting) w.client.end("ok\n");
    console?.end();
    channel.port1.close();
    for (const s of secondaries) void s.terminate();
    process.exitCode = 0;
  };

  worker.on("message", (r: VcpuReport) => {
    switch (r.type) {
      case "output":
        console?.write(r.bytes);
        if (serialFile >= 0) writeSync(serialFile, r.bytes);
        break;
      case "ready":
        vcpuThread = r.threadId;
        rmSync(plan.control, { force: true });
        server.listen(plan.control, () => {
          recordStatus("running", "booted");
          reportOnce(`ok\t${process.pid}`);
        });
        break;
      case "paused":
      case "resumed":
        paused = r.type === "paused";
        recordStatus("running", paused ? "paused" : "unpaused");
        answer(r.type);
        break;
      case "restarted":
        break;
      case "ended":
        finish(r.reason);
        break;
      case "failed":
        reportOnce(`error\t${r.step}\t${r.errno}`);
        rmSync(plan.status, { force: true });
        for (const s of secondaries) void s.terminate();
        process.exitCode = 1;
        break;
    }
  });
  worker.on("error", (e) => {
    reportOnce(`error\tvCPU thread: ${e.message}\t0`);
    if (vcpuThread) finish("crashed");
    process.exitCode = 1;
  });
  server.on("error", (e: NodeJS.ErrnoException) => {
    reportOnce(`error\tcontrol socket ${plan.control}\t${e.errno ? Math.abs(e.errno) : 0}`);
    send({ cmd: "destroy" });
  });
}
