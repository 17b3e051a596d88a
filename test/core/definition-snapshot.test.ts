// core.wasm's definitions snapshot (hostedSaveDefinitions / hostedLoadDefinitions): a hosted
// node's persistent definitions as one blob read back without parsing, and a damaged blob
// refused whole, the core usable after.
import test from "ava";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { DomainOp } from "../../src/host/core-abi.gen.js";
import { ErrorNumber, VirtError } from "../../src/index.js";

const core = new Core(coreModule(), new MockCoreImports(0));
/** Each name its own UUID (the mock's randomness repeats itself). */
const uuidOf = (name: string) => `${Buffer.from(name.padEnd(16, ".")).toString("hex").slice(0, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-")}`;
const xml = (name: string, extra = "") =>
  `<domain type='kvm'><name>${name}</name><uuid>${uuidOf(name)}</uuid><memory unit='MiB'>64</memory><currentMemory unit='MiB'>48</currentMemory><vcpu>2</vcpu><os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os><on_reboot>destroy</on_reboot>${extra}</domain>`;

/** A kvm node holding these definitions. */
function nodeWith(...docs: string[]): number {
  const node = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "", "");
  for (const doc of docs) core.domainDefine(node, doc, 0);
  return node;
}

/** What a node says of each of its domains: the XML with and without secrets, and its registry entry. */
function describe(node: number) {
  return core.domainList(node, 0).map((ref) => ({
    name: ref.name,
    uuid: ref.uuid,
    xml: core.domainXML(node, ref, 0),
    secure: core.domainXML(node, ref, 1),
    info: { ...core.domainInfo(node, ref), cpuTime: 0 }, // (the test driver's clock-made CPU time)
    osType: core.domainOSType(node, ref),
  }));
}

/** The saved blob, copied out of the core's memory. */
function blobOf(node: number): Uint8Array {
  const view = core.hostedSaveDefinitions(node);
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

test("a saved node's definitions load into a fresh node as they were, secrets apart", (t) => {
  // (lxc:/// takes a definition with a graphics password; kvm:/// refuses graphics for now)
  const container = (name: string, devices = "") => `<domain type='lxc'><name>${name}</name><uuid>${uuidOf(name)}</uuid><memory unit='MiB'>64</memory><os><type>exe</type><init>/bin/sh</init></os><devices>${devices}</devices></domain>`;
  const from = core.hostedNodeOpen("lxc", "/run/virtkit/lxc", "", "");
  for (const doc of [container("plain"), container("secret", "<graphics type='vnc' passwd='hush'/>"), container("third")]) core.domainDefine(from, doc, 0);
  const blob = blobOf(from);
  const to = core.hostedNodeOpen("lxc", "/run/virtkit/lxc", "", "");
  t.is(core.hostedLoadDefinitions(to, blob), 3);
  t.deepEqual(describe(to), describe(from));
  const secret = describe(to).find((d) => d.name === "secret")!;
  t.notRegex(secret.xml, /hush/, "the public XML keeps its secret out");
  t.regex(secret.secure, /passwd='hush'/);
  t.is(core.eventCount(), 0, "loading is not defining: nobody hears of it");
});

test("a loaded definition is one like any other: it can be redefined, started (planned) and undefined", (t) => {
  const to = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "", "");
  core.hostedLoadDefinitions(to, blobOf(nodeWith(xml("g"))));
  const ref = core.domainLookupByName(to, "g");
  t.regex(core.hostedPlanStart(to, ref), /^instance\t[0-9a-f]{12}$/m);
  core.domainDefine(to, xml("g").replace("<memory unit='MiB'>64", "<memory unit='MiB'>128"), 0);
  t.is(core.domainInfo(to, ref).maxMem, 128 * 1024);
  core.domainOp(to, ref, DomainOp.UNDEFINE, 0);
  t.deepEqual(core.domainList(to, 0), []);
});

test("names and UUIDs the registry holds are left as they are", (t) => {
  const blob = blobOf(nodeWith(xml("a"), xml("b")));
  const to = nodeWith(xml("a").replace("<memory unit='MiB'>64", "<memory unit='MiB'>32"));
  t.is(core.hostedLoadDefinitions(to, blob), 1);
  t.deepEqual(
    core.domainList(to, 0).map((r) => [r.name, core.domainInfo(to, r).maxMem]),
    [
      ["a", 32 * 1024],
      ["b", 64 * 1024],
    ],
  );
});

test("a damaged blob is refused whole, and the core goes on", (t) => {
  const blob = blobOf(nodeWith(xml("a"), xml("b")));
  const damaged: Uint8Array[] = [blob.subarray(0, blob.length - 1), blob.subarray(0, 10), new Uint8Array(0), new Uint8Array(blob.length).fill(0xff)];
  for (const at of [0, 8, 20, Math.floor(blob.length / 2), blob.length - 1]) {
    const copy = new Uint8Array(blob);
    copy[at] ^= 0x40;
    damaged.push(copy);
  }
  for (const bytes of damaged) {
    const to = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "", "");
    const e = t.throws(() => core.hostedLoadDefinitions(to, bytes), { instanceOf: VirtError });
    t.is(e?.code, ErrorNumber.VIR_ERR_INTERNAL_ERROR);
    t.is(e?.message, "internal error: the definitions snapshot is damaged");
    t.deepEqual(core.domainList(to, 0), [], "nothing of it is taken");
  }
  const to = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "", "");
  t.is(core.hostedLoadDefinitions(to, blob), 2, "the core reads a good blob after the bad ones");
});

test("only persistent domains are saved, a running one by its next boot's definition", (t) => {
  const from = nodeWith(xml("kept"));
  core.hostedCommitCreate(from, xml("passing"), 4242);
  const kept = core.domainLookupByName(from, "kept");
  core.hostedCommitStart(from, kept, 4243, false, false);
  core.domainDefine(from, xml("kept").replace("<memory unit='MiB'>64", "<memory unit='MiB'>96"), 0);
  const to = core.hostedNodeOpen("kvm", "/run/virtkit/kvm", "", "");
  t.is(core.hostedLoadDefinitions(to, blobOf(from)), 1);
  const [only] = core.domainList(to, 0);
  t.like(only, { name: "kept", id: -1 });
  t.is(core.domainInfo(to, only).maxMem, 96 * 1024);
});
