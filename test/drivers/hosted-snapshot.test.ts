// A hosted node's definitions snapshot (<run>/.definitions, src/drivers/hosted/definition-snapshot.ts):
// a process that changes a definition saves every definition as one blob, and so does one that
// had to read every file; a later process opening the node loads that blob instead of parsing
// each file, as long as the configuration directory is as the blob says it was. Each connection
// here is a process's first look at the node.
import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openConnection, type Connection } from "../../src/index.js";
import { needsRoot, testIf } from "../support/gated.js";
import { tempDir } from "../support/temp.js";

const asRoot = testIf(needsRoot("kvm:///system"));
process.env.VIRTKIT_KVM_SPARE = "0";

const guest = (name: string, mib = 64) => `<domain type='kvm'><name>${name}</name><memory unit='MiB'>${mib}</memory><os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os></domain>`;

/** A node of its own: the next connections open it. */
function freshNode(): { config: string; snapshot: string } {
  const base = tempDir("virtkit-snapshot", "/tmp");
  process.env.VIRTKIT_CONFIG_DIR = join(base, "etc");
  process.env.VIRTKIT_RUN_DIR = join(base, "run");
  process.env.VIRTKIT_STATE_DIR = join(base, "state");
  return { config: join(base, "etc", "kvm"), snapshot: join(base, "run", "kvm", ".definitions") };
}

/**
 * Dates the configuration directory's last change back by `seconds`, as if it changed then: a
 * change under 50 ms old is not trusted to show the next one, so no snapshot is made or read
 * for it (definition-snapshot.ts), and a test would otherwise wait.
 */
function settle(config: string, seconds: number): void {
  const then = Date.now() / 1000 - seconds;
  utimesSync(config, then, then);
}

/** What a fresh process sees of the node: each domain's name, autostart mark and maximum memory (KiB). */
async function seen(): Promise<Record<string, [boolean, number]>> {
  const conn = await openConnection("kvm:///system");
  try {
    const out: Record<string, [boolean, number]> = {};
    for (const dom of await conn.listAllDomains()) out[dom.name] = [await dom.getAutostart(), (await dom.getInfo()).maxMem];
    return out;
  } finally {
    await conn.close();
  }
}

async function defineAll(conn: Connection, names: string[]): Promise<void> {
  for (const name of names) await conn.defineXML(guest(name));
}

/** Defines each in a process of its own (whose change saves the snapshot: it saved none before). */
async function defineEach(names: string[]): Promise<void> {
  for (const name of names) {
    const conn = await openConnection("kvm:///system");
    await conn.defineXML(guest(name));
    await conn.close();
  }
}

/** Spoils a definition's file in place, as an editor writing over it would (its directory does not change). */
function spoil(config: string, name: string): void {
  const before = statSync(config, { bigint: true }).mtimeNs;
  writeFileSync(join(config, `${name}.xml`), "not a definition");
  if (statSync(config, { bigint: true }).mtimeNs !== before) throw new Error("the directory changed");
}

asRoot.serial("a process opening the node takes its definitions from the snapshot the last change saved", async (t) => {
  const { config, snapshot } = freshNode();
  await defineEach(["a", "b", "c"]);
  const conn = await openConnection("kvm:///system");
  await (await conn.lookupByName("b")).setAutostart(true);
  await conn.close();
  t.is(statSync(snapshot).mode & 0o777, 0o600);
  spoil(config, "a");
  t.deepEqual(await seen(), { a: [false, 65536], b: [true, 65536], c: [false, 65536] }, "a's definition comes from the snapshot");
});

asRoot.serial("defines and undefines leave a snapshot of what they made, or none; autostart marks are read from their directory", async (t) => {
  const { config, snapshot } = freshNode();
  const conn = await openConnection("kvm:///system");
  await defineAll(conn, ["a", "b", "c"]);
  t.deepEqual(Object.keys(await seen()), ["a", "b", "c"]);
  const a = await (await conn.lookupByName("a")).getXMLDesc();
  await conn.defineXML(a.replace("<memory unit='KiB'>65536</memory>", "<memory unit='KiB'>131072</memory>").replace("<currentMemory unit='KiB'>65536</currentMemory>", ""));
  await conn.defineXML(guest("d"));
  await (await conn.lookupByName("b")).undefine();
  await (await conn.lookupByName("c")).setAutostart(true);
  await conn.close();
  // (the burst saved the snapshot at its first change, then removed it: saving 1,000
  // definitions at each change of a burst would cost more than reading the files once)
  t.false(existsSync(snapshot));
  t.deepEqual(await seen(), { a: [false, 131072], c: [true, 65536], d: [false, 65536] });
  await defineEach(["e"]);
  spoil(config, "a");
  spoil(config, "e");
  t.deepEqual(await seen(), { a: [false, 131072], c: [true, 65536], d: [false, 65536], e: [false, 65536] }, "the snapshot a lone define saved");
});

asRoot.serial("without a snapshot, a process reads the files and saves one, once the directory has settled", async (t) => {
  const { config, snapshot } = freshNode();
  await defineEach(["a", "b"]);
  rmSync(snapshot);
  settle(config, 0);
  t.deepEqual(Object.keys(await seen()), ["a", "b"]);
  t.throws(() => statSync(snapshot), { code: "ENOENT" }, "a change under 50 ms old: not saved (another could share its time)");
  settle(config, 10);
  t.deepEqual(Object.keys(await seen()), ["a", "b"]);
  t.is(statSync(snapshot).mode & 0o777, 0o600, "settled: saved");
  spoil(config, "a");
  t.deepEqual(Object.keys(await seen()), ["a", "b"], "and used");
});

asRoot.serial("a snapshot of another state of the directory, or damaged, is not used: every file is read", async (t) => {
  const { config, snapshot } = freshNode();
  await defineEach(["a", "b"]);
  const saved = readFileSync(snapshot);
  settle(config, 30); // another modification time
  t.deepEqual(Object.keys(await seen()), ["a", "b"]);
  t.notDeepEqual(readFileSync(snapshot), saved, "read again, and saved for the directory as it is");
  const bytes = readFileSync(snapshot);
  bytes[bytes.length - 10] ^= 0xff;
  writeFileSync(snapshot, bytes);
  t.deepEqual(Object.keys(await seen()), ["a", "b"]);
});
