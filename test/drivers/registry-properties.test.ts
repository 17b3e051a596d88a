// Random sequences of operations on a private test node: after every step the registry is
// consistent, every definition is canonical, and a failed operation changed nothing.
import test from "ava";
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalizeDomainXML, DomainState as S, openConnection, VirtError, type Connection, type Domain } from "../../src/index.js";
import { tempDir } from "../support/temp.js";

const NAMES = ["a", "b", "c"];
const UUIDS = ["11111111-0000-4000-8000-000000000001", "11111111-0000-4000-8000-000000000002"];

const definition = fc.record({
  name: fc.constantFrom(...NAMES),
  uuid: fc.constantFrom(...UUIDS, ""),
  memory: fc.constantFrom(65536, 131072, 0, 99999999999999999999),
  vcpus: fc.constantFrom(1, 2, 4, 0),
});

type Def = { name: string; uuid: string; memory: number; vcpus: number };

const xmlOf = (d: Def) =>
  `<domain type='test'><name>${d.name}</name>${d.uuid ? `<uuid>${d.uuid}</uuid>` : ""}<memory unit='KiB'>${d.memory}</memory><vcpu>${d.vcpus}</vcpu><os><type>hvm</type></os></domain>`;

const step = fc.oneof(
  fc.record({ kind: fc.constant("define" as const), def: definition }),
  fc.record({ kind: fc.constant("createXML" as const), def: definition }),
  fc.record({
    kind: fc.constantFrom("create", "destroy", "shutdown", "suspend", "resume", "reboot", "undefine", "managedSave", "autostart"),
    name: fc.constantFrom(...NAMES),
  }),
  fc.record({ kind: fc.constant("memory" as const), name: fc.constantFrom(...NAMES), kib: fc.constantFrom(1024, 65536, 200000), flags: fc.constantFrom(0, 1, 2, 3, 4) }),
  fc.record({ kind: fc.constant("vcpus" as const), name: fc.constantFrom(...NAMES), count: fc.constantFrom(1, 2, 3, 8), flags: fc.constantFrom(0, 1, 2, 3, 4, 6) }),
);
type Step = { kind: string; def?: Def; name?: string; kib?: number; flags?: number; count?: number };

async function apply(conn: Connection, s: Step): Promise<void> {
  if (s.kind === "define") return void (await conn.defineXML(xmlOf(s.def!)));
  if (s.kind === "createXML") return void (await conn.createXML(xmlOf(s.def!)));
  const d = await conn.lookupByName(s.name!);
  switch (s.kind) {
    case "create": return d.create();
    case "destroy": return d.destroy();
    case "shutdown": return d.shutdown();
    case "suspend": return d.suspend();
    case "resume": return d.resume();
    case "reboot": return d.reboot();
    case "undefine": return d.undefine();
    case "managedSave": return d.managedSave();
    case "autostart": return d.setAutostart(true);
    case "memory": return d.setMemoryFlags(s.kib!, s.flags!);
    case "vcpus": return d.setVcpusFlags(s.count!, s.flags!);
  }
}

/** Everything observable about the node, to compare before and after a failed step. */
async function snapshot(conn: Connection): Promise<string> {
  const doms = await conn.listAllDomains();
  const rows = await Promise.all(
    doms.map(async (d: Domain) => {
      const info = await d.getInfo();
      return [d.name, await d.getID(), info.state, info.memory, info.maxMem, info.nrVirtCpu, await d.isPersistent(), await d.getXMLDesc(1), (await d.isPersistent()) ? await d.getXMLDesc(3) : ""].join("|");
    }),
  );
  return rows.sort().join("\n");
}

async function checkInvariants(t: import("ava").ExecutionContext, conn: Connection): Promise<void> {
  const doms = await conn.listAllDomains();
  const names = doms.map((d) => d.name);
  t.is(new Set(names).size, names.length, "names are unique");
  const uuids = doms.map((d) => d.uuid);
  t.is(new Set(uuids).size, uuids.length, "UUIDs are unique");
  const ids: number[] = [];
  for (const d of doms) {
    const id = await d.getID();
    const { state } = await d.getState();
    t.is(id !== -1, state !== S.VIR_DOMAIN_SHUTOFF, "exactly running domains have ids");
    if (id !== -1) ids.push(id);
    if (!(await d.isPersistent())) t.not(id, -1, "a transient domain exists only while running");
    const xml = await d.getXMLDesc(1);
    t.is(canonicalizeDomainXML(xml, { secure: true }), xml, "stored definitions are canonical");
  }
  t.is(new Set(ids).size, ids.length, "ids are unique");
}

test("random operation sequences keep the registry consistent and failures side-effect free", async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
      const dir = tempDir("virtkit-prop");
      writeFileSync(join(dir, "node.xml"), "<node/>");
      const conn = await openConnection(`test://${join(dir, "node.xml")}`);
      try {
        for (const s of steps) {
          const before = await snapshot(conn);
          try {
            await apply(conn, s as Step);
          } catch (e) {
            if (!(e instanceof VirtError)) throw e;
            t.is(await snapshot(conn), before, `failed ${JSON.stringify(s)} changed nothing`);
          }
          await checkInvariants(t, conn);
        }
      } finally {
        await conn.close();
      }
    }),
    { numRuns: 150, seed: 0xd0ae },
  );
});
