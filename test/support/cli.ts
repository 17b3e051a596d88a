// Running the command line in-process, and reading virsh's golden transcripts.
import { readFileSync } from "node:fs";
import { runVirtkit } from "../../src/cli/run.js";
import { fixturePath } from "./fixtures.js";

export interface Transcript {
  args: string[];
  stdout: string;
  stderr: string;
  status: number;
}

/** Runs virtkit with argv in cwd; collects what it prints. */
export async function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined>; stdin?: () => NodeJS.ReadableStream } = {}): Promise<Transcript> {
  let stdout = "";
  let stderr = "";
  const status = await runVirtkit(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    stdin: options.stdin,
    isTTY: () => false,
  });
  return { args: [...args], stdout, stderr, status };
}

/** Splits a shell command line into words (double and single quotes, as the golden headers use). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m; (m = re.exec(line)); ) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3]));
  return words;
}

/**
 * A golden file: "$ virsh ARGS" on the first line, then stdout, "--- stderr ---", stderr and
 * "--- exit N ---". Files holding several runs (lxc-flow.txt) give several transcripts.
 */
export function readGolden(name: string): Transcript[] {
  const text = readFileSync(fixturePath("virsh-golden", name), "utf8");
  const runs: Transcript[] = [];
  const re = /^\$ virsh (.*)\n([\s\S]*?)--- stderr ---\n([\s\S]*?)--- exit (\d+) ---\n?/gm;
  for (let m; (m = re.exec(text)); ) runs.push({ args: shellWords(m[1]), stdout: m[2], stderr: m[3], status: Number(m[4]) });
  return runs;
}

const NO_DAEMON = "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory";

/**
 * virsh was recorded with no libvirt daemon running, so a URI that no driver in the client
 * claims failed on the daemon's socket. A daemon would have answered "no connection driver
 * available for URI", which is what virtkit (whose drivers are all in the client) says.
 */
export function asWithDaemon(t: Transcript): Transcript {
  if (!t.stderr.includes(NO_DAEMON)) return t;
  const uri = [...t.args.join(" ").matchAll(/\b[a-z]+:\/\/\/[^\s;']*/g)].map((m) => m[0]).filter((u) => u !== "test:///default").pop();
  return { ...t, stderr: t.stderr.replace(NO_DAEMON, `no connection driver available for ${uri}`) };
}

/**
 * Hides what differs between runs (test/fixtures/README.md names them): CPU times (the test driver's
 * wall clock) and random UUIDs of domains defined without one.
 */
export function masked(text: string): string {
  return text
    .replace(/^(CPU time:? +)[0-9.]+s$/gm, "$1<time>s")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g, "<uuid>");
}

/** One transcript of test/cli/virsh-extra.json (recorded by scripts/capture-virsh.mjs). */
export interface RecordedCase {
  line: string;
  cwd: "fixtures" | "inputs";
  args: string[];
  stdout: string;
  stderr: string;
  status: number;
}

export function readExtraCases(): RecordedCase[] {
  return (JSON.parse(readFileSync(new URL("../cli/virsh-extra.json", import.meta.url), "utf8")) as { cases: RecordedCase[] }).cases;
}

/**
 * The recording machine was named "vm", and absolute paths there began elsewhere: both become
 * placeholders, in the recording and in what this machine prints.
 */
export const recordedElsewhere = (s: string) => masked(s.replace(/^vm$/m, "<host>").replace(/\/[^\s']*\/(test\/cli\/fixtures|virsh-golden\/inputs)\//g, "<cwd>/"));
