// Runs every command line of test/cli/virsh-extra-cases.txt through the real virsh (a machine
// with libvirt-clients installed) and records its output in test/cli/virsh-extra.json, which
// the test suite replays against virtkit. Usage: node scripts/capture-virsh.mjs
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

const dirs = { fixtures: resolve("test/cli/fixtures"), inputs: resolve("test/fixtures/virsh-golden/inputs") };

/** The words of a shell command line, as bash would pass them (quotes and backslashes). */
function shellWords(line) {
  const out = spawnSync("bash", ["-c", `eval "set -- $1"; for w in "$@"; do printf '%s\\0' "$w"; done`, "bash", line], { encoding: "utf8" });
  return out.stdout.split("\0").slice(0, -1);
}

const cases = [];
for (const raw of readFileSync("test/cli/virsh-extra-cases.txt", "utf8").split("\n")) {
  if (raw.trim() === "" || raw.startsWith("#")) continue;
  const where = raw.startsWith("@inputs ") ? "inputs" : "fixtures";
  const line = where === "inputs" ? raw.slice("@inputs ".length) : raw;
  const args = shellWords(line);
  const run = spawnSync("virsh", args, { cwd: dirs[where], encoding: "utf8", env: { ...process.env, LANG: "C", LC_ALL: "C" } });
  cases.push({ line, cwd: where, args, stdout: run.stdout, stderr: run.stderr, status: run.status });
}
writeFileSync("test/cli/virsh-extra.json", JSON.stringify({ virsh: spawnSync("virsh", ["--version"], { encoding: "utf8" }).stdout.trim(), cases }, null, 1) + "\n");
console.log(`${cases.length} cases recorded`);
