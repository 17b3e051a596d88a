// The container supervisor executable on its own, with hand-written plans: it runs init in new
// namespaces, reports readiness or the failing step, serves destroy over its control socket,
// records how init ended, and leaves nothing behind.
import test from "ava";
import { needsRoot, testIf } from "../support/gated.js";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "../support/temp.js";

const supervisor = fileURLToPath(new URL("../../build/Release/virtkit-lxc-supervisor", import.meta.url));
const asRoot = testIf(needsRoot("namespaces"));

/** The supervisor's report on fd 3, and its exit (after it has recorded how init ended). */
let exited: Promise<void> = Promise.resolve();

/** Runs the supervisor on plan lines; resolves with what it reported on fd 3. */
function run(dir: string, lines: string[][]): Promise<string> {
  const planFile = join(dir, "plan");
  writeFileSync(planFile, lines.map((l) => l.join("\t")).join("\n") + "\n");
  return new Promise((resolve) => {
    const child = spawn(supervisor, [planFile], { stdio: ["ignore", "ignore", "inherit", "pipe"] });
    exited = new Promise((done) => child.on("exit", () => done()));
    let report = "";
    const ready = child.stdio[3] as NodeJS.ReadableStream;
    ready.on("data", (d: Buffer) => (report += d.toString()));
    ready.on("end", () => resolve(report.trim()));
  });
}

function command(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = "";
    const s = connect(socket, () => s.write(`${line}\n`));
    s.on("data", (d) => (reply += d.toString()));
    s.on("close", () => resolve(reply));
    s.on("error", reject);
  });
}

const dirs: string[] = [];
test.after.always(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const testDir = () => {
  const dir = tempDir("virtkit-test", "/run");
  dirs.push(dir);
  return dir;
};

const status = (dir: string) => Object.fromEntries(readFileSync(join(dir, "status"), "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]));

function containerPlan(dir: string, init: string[]): string[][] {
  const rootDir = join(dir, "root");
  mkdirSync(rootDir);
  return [
    ["control", join(dir, "sock")],
    ["status", join(dir, "status")],
    ["clone", "mnt", "uts", "ipc", "pid"],
    ["make-rprivate"],
    ["bind", "/", rootDir, "1", "0"],
    ["mount", "proc", "proc", join(rootDir, "proc"), "nosuid,nodev,noexec", ""],
    ["pivot", rootDir],
    ["hostname", "c1"],
    ["stdio"],
    ["env", "PATH=/usr/bin:/bin"],
    ["exec", ...init],
  ];
}

asRoot.serial("init runs as PID 1 of new namespaces; destroy ends it and is recorded", async (t) => {
  const dir = testDir();
  const report = await run(dir, containerPlan(dir, ["/bin/sh", "-c", "exec sleep 60"]));
  t.regex(report, /^ok\t\d+\t?$/);
  const initPid = Number(report.split("\t")[1]);
  t.regex(readFileSync(`/proc/${initPid}/status`, "utf8"), new RegExp(`^NSpid:\\s+${initPid}\\s+1$`, "m"), "PID 1 inside");
  t.is(execFileSync("nsenter", ["--uts", "--target", String(initPid), "hostname"], { encoding: "utf8" }), "c1\n");
  const rootMount = readFileSync(`/proc/${initPid}/mountinfo`, "utf8").split("\n").find((l) => l.split(" ")[4] === "/");
  t.regex(rootMount ?? "", / ro[, ]/, "the host's / is read-only inside");
  t.like(status(dir), { state: "running", reason: "booted", init: String(initPid) });
  t.is(await command(join(dir, "sock"), "destroy"), "ok\n");
  t.like(status(dir), { state: "shutoff", reason: "destroyed", detail: "signal 9" });
  t.false(existsSync(`/proc/${initPid}`), "init is gone");
  t.false(existsSync(join(dir, "sock")), "the control socket is removed");
});

asRoot.serial("a failing step is reported with its errno, and nothing keeps running", async (t) => {
  const dir = testDir();
  const report = await run(dir, containerPlan(dir, ["/no/such/init"]));
  t.is(report, "error\texec /no/such/init\t2");
  t.false(existsSync(join(dir, "sock")));
  t.false(existsSync(join(dir, "status")), "a start that failed records no state");
});

asRoot.serial("init exiting by itself: status 0 is a shutdown, a signal a crash", async (t) => {
  for (const [script, reason, detail] of [["exit 0", "shutdown", "exit 0"], ["exec python3 -c 'import ctypes; ctypes.string_at(0)'", "crashed", "signal 11"], ["exit 3", "crashed", "exit 3"]]) {
    const dir = testDir();
    const report = await run(dir, containerPlan(dir, ["/bin/sh", "-c", `read x; ${script}`]));
    t.regex(report, /^ok/);
    await exited; // the supervisor exits once it has recorded the end
    t.like(status(dir), { state: "shutoff", reason, detail }, script);
  }
});
