// The command line beyond single transcripts: the default URI, the interactive shell, edit with
// $EDITOR, help for every command, timing, and the installed executable itself.
import test from "ava";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { parseCommand, ParseError, splitCommandString } from "../../src/cli/parser.js";
import { findCommand } from "../../src/cli/commands/index.js";
import { readGolden, runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const fixtures = fileURLToPath(new URL("fixtures", import.meta.url));

test.serial("command strings split like virsh's: quotes, escapes, comments, separators", (t) => {
  t.deepEqual(splitCommandString(`dominfo "a b";domid 'c;d' e\\ f # gone\nlist`), [["dominfo", "a b"], ["domid", "c;d", "e f"], ["list"]]);
  t.deepEqual(splitCommandString(" ; ;\n"), []);
  t.deepEqual(splitCommandString("domid x#y"), [["domid", "x#y"]]);
  t.throws(() => splitCommandString('domid "open'), { instanceOf: ParseError, message: 'missing "' });
  t.throws(() => splitCommandString("domid x\\"), { instanceOf: ParseError, message: "dangling \\" });
});

test.serial("options match the command's table: positional, --name=value, repeated argv, --", (t) => {
  const setmem = parseCommand(["setmem", "--size=5G", "test", "--live"], findCommand);
  t.deepEqual([...setmem.values], [["size", "5G"], ["domain", "test"], ["live", true]]);
  const sched = parseCommand(["schedinfo", "test", "weight=1", "--set", "cap=2", "--", "--x=3"], findCommand);
  t.deepEqual(sched.values.get("set"), ["weight=1", "cap=2", "--x=3"]);
  t.throws(() => parseCommand(["dumpxml", "test", "/x"], findCommand), { message: "unexpected data '/x'" });
  t.throws(() => parseCommand(["setvcpus", "test"], findCommand), { message: "command 'setvcpus' requires --count option" });
});

test.serial("every command has a table help can print, listing all its options", async (t) => {
  for (const def of COMMANDS) {
    const { stdout, status } = await runCli(["-c", "test:///default", `help ${def.name}`]);
    t.is(status, 0, def.name);
    t.true(stdout.startsWith(`  NAME\n    ${def.name} - ${def.summary}\n\n  SYNOPSIS\n    ${def.name}`), def.name);
    for (const o of def.options) t.true(stdout.includes(`--${o.name}`), `${def.name} --${o.name}`);
  }
  const all = await runCli(["-c", "test:///default", "help"]);
  for (const def of COMMANDS) t.true(all.stdout.includes(`\n    ${def.name.padEnd(30)} ${def.summary}\n`), def.name);
  const usage = await runCli(["--help"]);
  t.is(usage.status, 0);
  t.regex(usage.stdout, /virtkit \[options\]\.\.\. <command> \[args\.\.\.\]/);
  for (const uri of ["test:///default", "test:///PATH/node.xml", "lxc:///system", "kvm:///system"]) t.regex(usage.stdout, new RegExp(`^    ${uri} `, "m"), `--help names ${uri}`);
});

test.serial("the default URI comes from VIRTKIT_DEFAULT_URI, then LIBVIRT_DEFAULT_URI, else test:///default", async (t) => {
  const node = join(tempDir("virtkit-uri"), "node.xml");
  writeFileSync(node, "<node><domain type='test'><name>only</name><memory>1024</memory><os><type>hvm</type></os></domain></node>");
  t.is((await runCli(["uri"])).stdout, "test:///default\n\n");
  t.is((await runCli(["uri"], { env: { LIBVIRT_DEFAULT_URI: `test://${node}` } })).stdout, `test://${node}\n\n`);
  const both = await runCli(["list --all --name"], { env: { LIBVIRT_DEFAULT_URI: "bogus:///", VIRTKIT_DEFAULT_URI: `test://${node}` } });
  t.is(both.stdout, "only\n\n");
  t.is((await runCli(["-c", "test:///default", "uri"], { env: { VIRTKIT_DEFAULT_URI: `test://${node}` } })).stdout, "test:///default\n\n");
});

test.serial("with no command, an interactive shell reads commands line by line", async (t) => {
  const input = Readable.from(["domid test\n", "list --name; domstate test\n", "frobnicate\n", "quit\n", "domid test\n"]);
  const { stdout, stderr, status } = await runCli(["-c", "test:///default"], { stdin: () => input });
  t.is(status, 0);
  t.true(stdout.startsWith("virtkit interactive terminal"));
  const session = stdout.slice(stdout.indexOf("virtkit # "));
  t.is(session, "virtkit # domid test\n1\n\nvirtkit # list --name; domstate test\ntest\n\nrunning\n\nvirtkit # frobnicate\nvirtkit # quit\n\n");
  t.is(stderr, "error: unknown command: 'frobnicate'\n");
  const quiet = await runCli(["-q", "-r", "-c", "test:///default"], { stdin: () => Readable.from(["domid test\n"]) });
  t.is(quiet.stdout, "virtkit > domid test\n1\nvirtkit > \n");
});

/** An editor: a shell script applying a sed expression to the file it is given. */
function editor(expression: string): string {
  const script = join(tempDir("virtkit-editor"), "edit.sh");
  writeFileSync(script, `#!/bin/sh\nsed -i "${expression}" "$1"\n`);
  chmodSync(script, 0o755);
  return script;
}

test.serial("edit hands the next-boot XML to $EDITOR and defines what comes back", async (t) => {
  const unchanged = await runCli(["-c", "test:///default", "edit test"], { env: { EDITOR: "true" } });
  t.is(unchanged.stdout, "Domain 'test' XML configuration not changed.\n\n");
  const memory = editor("s|<memory unit='KiB'>8388608</memory>|<memory unit='KiB'>4194304</memory>|");
  const edited = await runCli(["-c", "test:///default", "edit test; dumpxml test --inactive; dominfo test"], { env: { VISUAL: memory, EDITOR: "false" } });
  t.is(edited.stderr, "");
  t.true(edited.stdout.startsWith("Domain 'test' XML configuration edited.\n\n"));
  t.regex(edited.stdout, /<memory unit='KiB'>4194304<\/memory>/);
  t.regex(edited.stdout, /^Max memory: +8388608 KiB$/m, "the running domain keeps its memory until it restarts");
  const broken = await runCli(["-c", "test:///default", "edit test; dominfo test"], { env: { EDITOR: editor("s|<name>test</name>|<name>a/b</name>|") } });
  t.is(broken.stderr, "error: Failed. The edited XML was not defined\nerror: XML error: name a/b cannot contain '/'\n");
  t.regex(broken.stdout, /^Name: +test$/m);
  const failing = await runCli(["-c", "test:///default", "edit test"], { env: { EDITOR: "false" } });
  t.is(failing.status, 1);
  t.regex(failing.stderr, /^error: internal error: Child process \(false \/.*\/domain\.xml\) unexpected exit status 1\n$/);
});

test.serial("net-edit hands the persistent configuration to $EDITOR and defines what comes back", async (t) => {
  const unchanged = await runCli(["-c", "test:///default", "net-edit default"], { env: { EDITOR: "true" } });
  t.is(unchanged.stdout, "Network default XML configuration not changed.\n\n");
  const range = editor("s|192.168.122.254|192.168.122.200|");
  // the test driver has no inactive view: virsh takes the live XML; the running network keeps its
  // definition, even across a restart (libvirt's test driver never swaps the new one in)
  const edited = await runCli(["-c", "test:///default", "net-edit default; net-dumpxml default; net-destroy default; net-start default; net-dumpxml default"], { env: { EDITOR: range } });
  t.is(edited.stderr, "");
  t.true(edited.stdout.startsWith("Network default XML configuration edited.\n\n"));
  t.is(edited.stdout.split("192.168.122.254").length, 3, "the live definition, before and after the restart");
  const broken = await runCli(["-c", "test:///default", "net-edit default"], { env: { EDITOR: editor("s|<name>default</name>|<name>a/b</name>|") } });
  t.is(broken.stderr, "error: Failed. The edited XML was not defined\nerror: invalid char in name: /\n");
});

test.serial("--timing prints each command's time in place of the blank line", async (t) => {
  const { stdout } = await runCli(["-t", "-c", "test:///default", "domid test; uri"]);
  t.regex(stdout, /^1\n\n\(Time: \d+\.\d{3} ms\)\n\ntest:\/\/\/default\n\n\(Time: \d+\.\d{3} ms\)\n\n$/);
});

test.serial("nodecpustats --percent compares two samples a second apart", async (t) => {
  const { stdout, status } = await runCli(["-c", "test:///default", "nodecpustats --percent"]);
  t.is(status, 0);
  // The test node's counters never move: 0 of 0, which C's printf shows as -nan.
  t.is(stdout, "usage:           -nan%\nuser:            -nan%\nsystem:          -nan%\nidle:            -nan%\niowait:          -nan%\n\n");
});

test.serial("save and restore take relative file names from the working directory", async (t) => {
  const dir = tempDir("virtkit-save");
  const { stdout, stderr } = await runCli(["-c", "test:///default", "save test test.img; restore test.img; domstate test --reason"], { cwd: dir });
  t.is(stderr, "");
  t.is(stdout, "\nDomain 'test' saved to test.img\n\nDomain restored from test.img\n\nrunning (restored)\n\n");
  t.true(existsSync(join(dir, "test.img")));
});

const bin = fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url));

test.serial("the installed executable (dist/cli.cjs) prints virsh's bytes and exit status", (t) => {
  if (!existsSync(bin)) return t.fail("dist/cli.cjs is missing: run npm run build");
  const [golden] = readGolden("list-all.txt");
  const run = spawnSync(process.execPath, [bin, ...golden.args], { encoding: "utf8" });
  t.is(run.stdout, golden.stdout);
  t.is(run.stderr, golden.stderr);
  t.is(run.status, golden.status);
  t.true(existsSync(join(bin, "..", "cli-main.codecache")), "the build leaves V8's code cache beside the command line");
  const failing = spawnSync(process.execPath, [bin, "-c", "test:///default", "define missing.xml"], { encoding: "utf8", cwd: fixtures });
  t.is(failing.stderr, "error: Failed to open file 'missing.xml': No such file or directory\n");
  t.is(failing.status, 1);
});
