// Runs every domain of test/fixtures/virt-install/ through the real libvirt (virsh's test driver,
// which parses in-process: needs libvirt-clients, no daemon) and records what it wrote, for
// test/virt-install.test.ts. For NAME.xml it writes NAME.libvirt.xml (virsh dumpxml after define)
// or NAME.error.txt (the reason define failed); then it defines NAME.libvirt.xml again and writes
// NAME.reread.xml when libvirt does not give its own output back unchanged.
// Usage: node scripts/capture-virt-install.mjs
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const dir = resolve("test/fixtures/virt-install");
const env = { ...process.env, LANG: "C", LC_ALL: "C" };

/** Defines the domain in file and prints it back; { xml } or { error } (virsh's last error line). */
function defineAndDump(file, name) {
  const run = spawnSync("virsh", ["-q", "-c", "test:///default", `define ${file}; dumpxml ${name}`], { cwd: dir, encoding: "utf8", env });
  const failure = run.stderr.split("\n").find((l) => l.startsWith("error: ") && !l.startsWith("error: Failed to define"));
  return failure === undefined ? { xml: run.stdout } : { error: failure.slice("error: ".length) };
}

const inputs = readdirSync(dir).filter((f) => f.endsWith(".xml") && !f.endsWith(".libvirt.xml") && !f.endsWith(".reread.xml"));
for (const input of inputs.sort()) {
  const name = input.slice(0, -".xml".length);
  for (const stale of [".libvirt.xml", ".reread.xml", ".error.txt"]) rmSync(join(dir, name + stale), { force: true });
  const first = defineAndDump(input, name);
  if (first.error !== undefined) {
    writeFileSync(join(dir, `${name}.error.txt`), first.error + "\n");
    continue;
  }
  writeFileSync(join(dir, `${name}.libvirt.xml`), first.xml);
  const again = defineAndDump(`${name}.libvirt.xml`, name);
  if (again.xml !== first.xml) writeFileSync(join(dir, `${name}.reread.xml`), again.xml ?? `error: ${again.error}\n`);
}
console.log(`${inputs.length} domains recorded with ${spawnSync("virsh", ["--version"], { encoding: "utf8" }).stdout.trim()}`);
