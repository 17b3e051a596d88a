// The test:/// driver through the public API: libvirt's default node, the lifecycle with
// states, reasons and events, live/persistent definitions, tuning, saving, and the errors. One
// suite, run on the local driver (test/drivers/test-driver.test.ts) and through the remote
// driver against virtkitd and against libvirt's own libvirtd (test/remote/). Tests touching
// test:///default run serially: that node is shared by everything connected to it.
import test, { type ExecutionContext } from "ava";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConnectListAllDomainsFlags as L, DomainEventType as E, DomainModificationImpact as Impact, DomainState as S,
  DomainVcpuFlags, DomainXMLFlags, ErrorNumber, canonicalizeDomainXML, VirtError, type Connection, type ConnectionOptions, type Domain,
} from "../../src/index.js";
import { fixturePath } from "../support/fixtures.js";
import { tempDir } from "../support/temp.js";

/** Where the suite runs: how it reaches a test:/// URI, and what differs there (title → why). */
export interface SuiteTarget {
  open(uri: string, options?: ConnectionOptions): Promise<Connection>;
  /** The URI the node reports for `uri` (a remote connection reports the URI it was opened with). */
  uriOf(uri: string): string;
  differences: ReadonlyMap<string, string>;
}

/** Registers every test of the suite that applies to `target`. */
export function testDriverSuite(target: SuiteTarget): void {
  const openConnection = (uri: string, options?: ConnectionOptions) => target.open(uri, options);
  const applies = (title: string) => !target.differences.has(title);
  const suite = Object.assign((title: string, run: (t: ExecutionContext) => Promise<void>) => void (applies(title) && test(title, run)), {
    serial: (title: string, run: (t: ExecutionContext) => Promise<void>) => void (applies(title) && test.serial(title, run)),
  });

  const golden = (name: string) => readFileSync(fixturePath("virsh-golden", name), "utf8");
  /** The stdout of a golden file, without virsh's trailing empty line. */
  const goldenOut = (name: string) => golden(name).split("\n").slice(1).join("\n").split("\n--- stderr")[0].replace(/\n+$/, "\n");
  const SMALL = golden("inputs/small.xml");

  /** A private node (a node file) so tests do not share test:///default's state. */
  function privateNode(domains = ""): string {
    const dir = tempDir("virtkit-node");
    const file = join(dir, "node.xml");
    writeFileSync(file, `<node>${domains}</node>`);
    return `test://${file}`;
  }

  const smallNamed = (name: string, extra = "") => `<domain type='test'><name>${name}</name><memory unit='KiB'>131072</memory><vcpu>2</vcpu><os><type>hvm</type></os>${extra}</domain>`;

  async function fails(t: ExecutionContext, p: Promise<unknown>): Promise<VirtError> {
    return (await t.throwsAsync(p, { instanceOf: VirtError })) as VirtError;
  }

  suite.serial("test:///default is libvirt's default node", async (t) => {
    const conn = await openConnection("test:///default");
    t.teardown(() => conn.close());
    const doms = await conn.listAllDomains();
    t.deepEqual(doms.map((d) => d.name), ["test"]);
    const d = await conn.lookupByName("test");
    t.is(d.uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f");
    t.is(await d.getID(), 1);
    const info = await d.getInfo();
    t.like(info, { state: S.VIR_DOMAIN_RUNNING, maxMem: 8388608, memory: 2097152, nrVirtCpu: 2 });
    t.true(info.cpuTime > 0n);
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_RUNNING, reason: 0 });
    t.is(await d.getXMLDesc(), goldenOut("dumpxml-test.txt"));
    t.is(await d.getXMLDesc(2), goldenOut("dumpxml-inactive-test.txt"));
    t.is(await d.getOSType(), "linux");
    t.deepEqual(await d.getSchedulerType(), { type: "fair", nparams: 1 });
    t.deepEqual(await d.getSchedulerParameters(), [{ field: "weight", type: 2, value: 50 }]);
    t.is(await conn.getCapabilities(), goldenOut("capabilities.txt").replace(/\n$/, "") + "\n");
    t.deepEqual(await conn.getInfo(), { model: "i686", memory: 3145728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2 });
    t.is(await conn.getType(), "TEST");
    t.is(await conn.getVersion(), 2);
    t.is(await conn.getLibVersion(), 9000000);
    t.is(await conn.getURI(), target.uriOf("test:///default"));
    // libvirt's test driver reports the real host's name (the golden file was recorded on a host named "vm").
    t.is(await conn.getHostname(), hostname());
  });

  suite.serial("test:///default is shared while open, and starts afresh", async (t) => {
    const a = await openConnection("test:///default");
    const b = await openConnection("test:///default");
    await a.defineXML(smallNamed("shared"));
    t.is((await b.lookupByName("shared")).name, "shared");
    await a.close();
    await b.close();
    const c = await openConnection("test:///default");
    await fails(t, c.lookupByName("shared"));
    await c.close();
  });

  suite("the lifecycle goes through libvirt's states and reasons, with events", async (t) => {
    const conn = await openConnection(privateNode());
    const events: [string, number, number][] = [];
    conn.on("lifecycle", (dom, event, detail) => events.push([dom.name, event, detail]));
    const d = await conn.defineXML(SMALL);
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_SHUTOFF, reason: 0 });
    t.is(await d.getID(), -1);
    await d.create();
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_RUNNING, reason: 1 });
    t.is(await d.getID(), 1);
    await d.suspend();
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_PAUSED, reason: 1 });
    await d.resume();
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_RUNNING, reason: 5 });
    await d.shutdown();
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_SHUTOFF, reason: 1 });
    await d.create();
    t.is(await d.getID(), 2, "ids count up");
    await d.destroy();
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_SHUTOFF, reason: 2 });
    await d.undefine();
    await fails(t, conn.lookupByName("small"));
    await Promise.resolve();
    t.deepEqual(events, [
      ["small", E.VIR_DOMAIN_EVENT_DEFINED, 0],
      ["small", E.VIR_DOMAIN_EVENT_STARTED, 0],
      ["small", E.VIR_DOMAIN_EVENT_SUSPENDED, 0],
      ["small", E.VIR_DOMAIN_EVENT_RESUMED, 0],
      ["small", E.VIR_DOMAIN_EVENT_STOPPED, 0],
      ["small", E.VIR_DOMAIN_EVENT_STARTED, 0],
      ["small", E.VIR_DOMAIN_EVENT_STOPPED, 1],
      ["small", E.VIR_DOMAIN_EVENT_UNDEFINED, 0],
    ]);
    await conn.close();
  });

  suite("invalid transitions fail with the real drivers' wording", async (t) => {
    const conn = await openConnection(privateNode());
    const d = await conn.defineXML(SMALL);
    for (const op of [() => d.destroy(), () => d.shutdown(), () => d.suspend(), () => d.resume(), () => d.reboot()]) {
      const e = await fails(t, op());
      t.is(e.code, ErrorNumber.VIR_ERR_OPERATION_INVALID);
      t.is(e.message, "Requested operation is not valid: domain is not running");
    }
    await d.create();
    t.is((await fails(t, d.create())).message, "Requested operation is not valid: domain is already running");
    t.is((await fails(t, d.resume())).message, "Requested operation is not valid: domain is already running");
    await d.suspend();
    await t.notThrowsAsync(d.suspend(), "suspending a paused domain succeeds, as the real drivers do");
    await conn.close();
  });

  suite("transient domains: create runs them, stopping removes them, undefine is refused", async (t) => {
    const conn = await openConnection(privateNode());
    const d = await conn.createXML(SMALL);
    t.false(await d.isPersistent());
    t.true(await d.isActive());
    const e = await fails(t, d.undefine());
    t.is(e.message, "Requested operation is not valid: cannot undefine transient domain");
    await d.destroy();
    t.is((await fails(t, conn.lookupByName("small"))).code, ErrorNumber.VIR_ERR_NO_DOMAIN);
    t.is((await fails(t, d.getInfo())).message, `Domain not found: no domain with matching uuid '${d.uuid}' (small)`);
    await conn.close();
  });

  suite("the registry keeps names and UUIDs unique, with libvirt's messages", async (t) => {
    const conn = await openConnection(privateNode());
    const a = await conn.defineXML(smallNamed("a", "<uuid>11111111-2222-3333-4444-555555555555</uuid>"));
    const sameName = await fails(t, conn.defineXML(smallNamed("a", "<uuid>11111111-2222-3333-4444-666666666666</uuid>")));
    t.is(sameName.code, ErrorNumber.VIR_ERR_OPERATION_FAILED);
    t.is(sameName.message, "operation failed: domain 'a' already exists with uuid 11111111-2222-3333-4444-555555555555");
    const sameUuid = await fails(t, conn.defineXML(smallNamed("b", "<uuid>11111111-2222-3333-4444-555555555555</uuid>")));
    t.is(sameUuid.message, "operation failed: domain 'a' is already defined with uuid 11111111-2222-3333-4444-555555555555");
    await a.create();
    const active = await fails(t, conn.createXML(smallNamed("a", "<uuid>11111111-2222-3333-4444-555555555555</uuid>")));
    t.is(active.message, "Requested operation is not valid: domain 'a' is already active");
    t.is(await (await conn.lookupByID(1)).name, "a");
    t.is((await conn.lookupByUUIDString("11111111-2222-3333-4444-555555555555")).name, "a");
    t.is((await fails(t, conn.lookupByID(7))).message, "Domain not found");
    await conn.close();
  });

  suite("redefining a running domain changes its next-boot config only", async (t) => {
    const conn = await openConnection(privateNode());
    const d = await conn.defineXML(smallNamed("r"));
    await d.create();
    await conn.defineXML(smallNamed("r", "").replace("<vcpu>2</vcpu>", "<vcpu>3</vcpu>").replace(/<uuid>.*<\/uuid>/, "").replace("<name>r</name>", `<name>r</name><uuid>${d.uuid}</uuid>`));
    t.is(await d.getVcpusFlags(Impact.VIR_DOMAIN_AFFECT_LIVE), 2);
    t.is(await d.getVcpusFlags(Impact.VIR_DOMAIN_AFFECT_CONFIG), 3);
    t.regex(await d.getXMLDesc(2), /<vcpu placement='static'>3<\/vcpu>/);
    t.regex(await d.getXMLDesc(), /<vcpu placement='static'>2<\/vcpu>/);
    await d.destroy();
    t.is(await d.getVcpusFlags(), 3, "the new config applies at next boot");
    await conn.close();
  });

  suite("memory and vCPUs follow AFFECT_LIVE / AFFECT_CONFIG", async (t) => {
    const conn = await openConnection(privateNode());
    const d = await conn.defineXML(smallNamed("m").replace("<vcpu>2</vcpu>", "<vcpu>4</vcpu>"));
    await d.create();
    await d.setMemory(65536);
    t.is((await d.getInfo()).memory, 65536);
    t.regex(await d.getXMLDesc(2), /<currentMemory unit='KiB'>131072<\/currentMemory>/, "live change only");
    await d.setMemoryFlags(98304, Impact.VIR_DOMAIN_AFFECT_CONFIG);
    t.regex(await d.getXMLDesc(2), /<currentMemory unit='KiB'>98304<\/currentMemory>/);
    t.is((await d.getInfo()).memory, 65536);
    const tooBig = await fails(t, d.setMemory(262144));
    t.is(tooBig.message, "invalid argument: cannot set memory higher than max memory");
    t.is((await fails(t, d.setMaxMemory(262144))).message, "Requested operation is not valid: cannot resize the maximum memory on an active domain");
    await d.setVcpus(2);
    t.is(await d.getVcpusFlags(), 2);
    t.is(await d.getVcpusFlags(DomainVcpuFlags.VIR_DOMAIN_VCPU_MAXIMUM), 4);
    t.is((await fails(t, d.setVcpus(5))).message, "invalid argument: requested cpu amount exceeds maximum (5 > 4)");
    await d.destroy();
    t.is((await fails(t, d.setMemory(1024))).message, "Requested operation is not valid: domain is not running");
    await d.setMaxMemory(262144);
    t.is((await d.getInfo()).maxMem, 262144);
    await d.setVcpusFlags(8, DomainVcpuFlags.VIR_DOMAIN_VCPU_MAXIMUM | Impact.VIR_DOMAIN_AFFECT_CONFIG);
    t.is(await d.getVcpusFlags(DomainVcpuFlags.VIR_DOMAIN_VCPU_MAXIMUM), 8);
    const bad = await fails(t, d.setMemoryFlags(1024, 64));
    t.is(bad.message, "unsupported flags (0x40) in function testDomainSetMemoryFlags");
    await conn.close();
  });

  suite("scheduler parameters are typed, validated, and live/config", async (t) => {
    const conn = await openConnection(privateNode());
    const d = await conn.defineXML(SMALL);
    await d.setSchedulerParameters([{ field: "weight", type: 2, value: 10 }]);
    t.deepEqual(await d.getSchedulerParameters(), [{ field: "weight", type: 2, value: 10 }]);
    await d.create();
    await d.setSchedulerParameters([{ field: "weight", type: 2, value: 77 }], Impact.VIR_DOMAIN_AFFECT_LIVE);
    t.is((await d.getSchedulerParameters(Impact.VIR_DOMAIN_AFFECT_CONFIG))[0].value, 10);
    t.is((await d.getSchedulerParameters())[0].value, 77);
    t.is((await fails(t, d.setSchedulerParameters([{ field: "cap", type: 2, value: 1 }]))).message, "argument unsupported: parameter 'cap' not supported");
    t.is((await fails(t, d.setSchedulerParameters([{ field: "weight", type: 1, value: 1 }]))).message, "invalid argument: invalid type 'int' for parameter 'weight', expected 'uint'");
    await conn.close();
  });

  suite("save and restore go through an image file; managed save through the domain", async (t) => {
    const conn = await openConnection(privateNode());
    const events: number[][] = [];
    conn.on("lifecycle", (_d, e, detail) => events.push([e, detail]));
    const d = await conn.defineXML(SMALL);
    await d.create();
    const image = join(tempDir("virtkit-save"), "small.save");
    await d.save(image);
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_SHUTOFF, reason: 5 });
    await conn.restore(image);
    t.deepEqual(await d.getState(), { state: S.VIR_DOMAIN_RUNNING, reason: 3 });
    t.is(await d.getID(), 2);
    await d.managedSave();
    t.true(await d.hasManagedSaveImage());
    t.deepEqual((await conn.listAllDomains(L.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)).map((x) => x.name), ["small"]);
    t.is((await fails(t, d.undefine())).message, "Requested operation is not valid: Refusing to undefine while domain managed save image exists");
    await d.create();
    t.false(await d.hasManagedSaveImage());
    await d.managedSave();
    await d.managedSaveRemove();
    t.false(await d.hasManagedSaveImage());
    const missing = await fails(t, conn.restore(join(tmpdir(), "no-such-image.save")));
    t.is(missing.code, ErrorNumber.VIR_ERR_SYSTEM_ERROR);
    await Promise.resolve();
    t.deepEqual(events.slice(0, 4), [[E.VIR_DOMAIN_EVENT_DEFINED, 0], [E.VIR_DOMAIN_EVENT_STARTED, 0], [E.VIR_DOMAIN_EVENT_STOPPED, 4], [E.VIR_DOMAIN_EVENT_STARTED, 2]]);
    await conn.close();
  });

  suite("listAllDomains filters as libvirt does", async (t) => {
    const conn = await openConnection(privateNode());
    const running = await conn.defineXML(smallNamed("running"));
    await running.create();
    const paused = await conn.defineXML(smallNamed("paused"));
    await paused.create();
    await paused.suspend();
    await conn.defineXML(smallNamed("off"));
    await conn.createXML(smallNamed("transient"));
    const auto = await conn.defineXML(smallNamed("auto"));
    await auto.setAutostart(true);
    const names = async (flags: number) => (await conn.listAllDomains(flags)).map((d) => d.name).sort();
    t.deepEqual(await names(0), ["auto", "off", "paused", "running", "transient"]);
    t.deepEqual(await names(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE), ["paused", "running", "transient"]);
    t.deepEqual(await names(L.VIR_CONNECT_LIST_DOMAINS_INACTIVE), ["auto", "off"]);
    t.deepEqual(await names(L.VIR_CONNECT_LIST_DOMAINS_TRANSIENT), ["transient"]);
    t.deepEqual(await names(L.VIR_CONNECT_LIST_DOMAINS_PAUSED), ["paused"]);
    t.deepEqual(await names(L.VIR_CONNECT_LIST_DOMAINS_RUNNING | L.VIR_CONNECT_LIST_DOMAINS_PAUSED), ["paused", "running", "transient"]);
    t.deepEqual(await names(L.VIR_CONNECT_LIST_DOMAINS_AUTOSTART), ["auto"]);
    t.deepEqual(await names(L.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT), []);
    t.is((await fails(t, conn.listAllDomains(1 << 20))).message, "unsupported flags (0x100000) in function testConnectListAllDomains");
    t.true(await auto.getAutostart());
    await conn.close();
  });

  suite.serial("read-only connections refuse every change", async (t) => {
    const conn = await openConnection("test:///default", { readOnly: true });
    const d = await conn.lookupByName("test");
    for (const [api, op] of [
      ["virDomainDestroy", () => d.destroy()],
      ["virDomainSuspend", () => d.suspend()],
      ["virDomainSetMemory", () => d.setMemory(1024)],
      ["virDomainDefineXML", () => conn.defineXML(SMALL)],
      ["virDomainSetAutostart", () => d.setAutostart(true)],
    ] as [string, () => Promise<unknown>][]) {
      const e = await fails(t, op());
      t.is(e.code, ErrorNumber.VIR_ERR_OPERATION_DENIED);
      t.is(e.message, `operation forbidden: read only access prevents ${api}`);
    }
    t.is((await fails(t, d.getXMLDesc(1))).message, "operation forbidden: virDomainGetXMLDesc with secure flag");
    t.is((await d.getInfo()).state, S.VIR_DOMAIN_RUNNING, "reads still work");
    await conn.close();
  });

  suite("a closed connection and unknown URIs fail as libvirt does", async (t) => {
    const conn = await openConnection(privateNode());
    await conn.close();
    const e = await fails(t, conn.listAllDomains());
    t.is(e.code, ErrorNumber.VIR_ERR_INVALID_CONN);
    const bogus = await fails(t, openConnection("bogus:///x"));
    t.like(bogus, { code: ErrorNumber.VIR_ERR_NO_CONNECT, domain: 0, message: "no connection driver available for bogus:///x" });
    const missing = await fails(t, openConnection("test:///nonexistent.xml"));
    t.is(missing.message, "XML error: failed to parse xml document '/nonexistent.xml'");
  });

  suite("test:///PATH loads libvirt's example node", async (t) => {
    const conn = await openConnection(`test://${fixturePath("libvirt", "examples", "xml", "test", "testnode.xml")}`);
    const doms = await conn.listAllDomains();
    t.deepEqual(doms.map((d) => d.name), ["fv0", "fc4", "fc5"]);
    t.deepEqual(await Promise.all(doms.map((d) => d.getID())), [1, 2, 3], "running domains get ids in document order");
    const info = await conn.getInfo();
    t.like(info, { mhz: 6000, model: "i986", cpus: 50, nodes: 4, sockets: 4, cores: 4, threads: 2, memory: 8192000 });
    await conn.close();
  });

  suite("runstate and transient extensions of node files", async (t) => {
    const ns = "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'";
    const conn = await openConnection(
      privateNode(
        `<domain type='test' ${ns}><name>off</name><memory>1024</memory><os><type>hvm</type></os><test:runstate>5</test:runstate><test:hasmanagedsave/></domain>` +
          `<domain type='test' ${ns}><name>t</name><memory>1024</memory><os><type>hvm</type></os><test:transient/></domain>`,
      ),
    );
    const off = await conn.lookupByName("off");
    t.deepEqual(await off.getState(), { state: S.VIR_DOMAIN_SHUTOFF, reason: 0 });
    t.true(await off.hasManagedSaveImage());
    t.false(await (await conn.lookupByName("t")).isPersistent());
    t.false((await off.getXMLDesc()).includes("test:"), "the extensions are not part of the definition");
    await conn.close();
  });

  suite("1,000 concurrent operations over 100 domains leave a consistent registry", async (t) => {
    const conn = await openConnection(privateNode());
    const doms: Domain[] = [];
    for (let i = 0; i < 100; i++) doms.push(await conn.defineXML(smallNamed(`d${i}`)));
    const ops = [(d: Domain) => d.create(), (d: Domain) => d.destroy(), (d: Domain) => d.suspend(), (d: Domain) => d.resume(), (d: Domain) => d.shutdown(), (d: Domain) => d.setMemoryFlags(65536, 2), (d: Domain) => d.getXMLDesc()];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const results = await Promise.allSettled(Array.from({ length: 1000 }, () => ops[Math.floor(random() * ops.length)](doms[Math.floor(random() * doms.length)])));
    for (const r of results) if (r.status === "rejected") t.true(r.reason instanceof VirtError);
    const all = await conn.listAllDomains();
    t.is(all.length, 100);
    const ids = (await Promise.all(all.map((d) => d.getID()))).filter((id) => id !== -1);
    t.is(new Set(ids).size, ids.length, "running domains have distinct ids");
    for (const d of all) {
      const { state } = await d.getState();
      t.is((await d.getID()) !== -1, state !== S.VIR_DOMAIN_SHUTOFF, "ids exactly for running domains");
    }
    t.deepEqual((await conn.listAllDomains(L.VIR_CONNECT_LIST_DOMAINS_ACTIVE)).length, ids.length);
    await conn.close();
  });

  suite("a failed change leaves the domain as it was", async (t) => {
    const conn: Connection = await openConnection(privateNode());
    const d = await conn.defineXML(SMALL);
    await d.create();
    const before = await d.getXMLDesc();
    await fails(t, d.setVcpusFlags(64, 3));
    await fails(t, d.setMemoryFlags(1 << 30, 3));
    t.is(await d.getXMLDesc(), before);
    await conn.close();
  });

  suite.serial("events reach every connection sharing test:///default until it stops listening", async (t) => {
    const a = await openConnection("test:///default");
    const b = await openConnection("test:///default");
    const seenByB: number[] = [];
    // events may come later than the call that caused them (over a socket): wait for them
    let wake = () => {};
    const listener = (_d: Domain, event: number) => {
      seenByB.push(event);
      wake();
    };
    const until = (n: number) => new Promise<void>((resolve) => (wake = () => void (seenByB.length >= n && resolve()))());
    b.on("lifecycle", listener);
    // a remote connection registers with its daemon in the background; its next call waits for that
    await b.getHostname();
    const d = await a.defineXML(smallNamed("evented"));
    await d.create();
    await until(2);
    t.deepEqual(seenByB, [E.VIR_DOMAIN_EVENT_DEFINED, E.VIR_DOMAIN_EVENT_STARTED]);
    b.off("lifecycle", listener);
    const stopped = new Promise<void>((resolve) => a.on("lifecycle", (_d, event) => event === E.VIR_DOMAIN_EVENT_STOPPED && resolve()));
    await d.destroy();
    await stopped;
    t.is(seenByB.length, 2, "no more events after off()");
    await d.undefine();
    await a.close();
    await b.close();
  });

  suite("identity calls are async like the rest of the API", async (t) => {
    const conn = await openConnection(privateNode());
    const d = await conn.defineXML(SMALL.replace("<name>small</name>", "<name>small</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"));
    t.is(await d.getName(), "small");
    t.is(await d.getUUIDString(), "11111111-2222-3333-4444-555555555555");
    t.is(d.name, "small");
    t.is(d.getConnect(), conn);
    await conn.close();
  });

  suite.serial("the test driver reaches the host only through the mock shim, which simulates the clock", async (t) => {
    const { testDriverShim } = await import("../../src/drivers/test.js");
    const shim = testDriverShim();
    const conn = await openConnection(privateNode());
    const d = await conn.defineXML(SMALL);
    shim.clock = 1_000;
    t.teardown(() => (shim.clock = undefined));
    t.is((await d.getInfo()).cpuTime, 1_000_000_000n, "CPU time is the node's clock in ns, as libvirt's test driver reports it");
    t.true(shim.calls.some((c) => c.fn === "randomFill"), "the generated UUID came from the shim");
    await conn.close();
  });

  suite("the default node's domain is stored in canonical form: the rules give it back unchanged", async (t) => {
    // opening test:///default takes its domain as written, without running the rules (start-up)
    const conn = await openConnection("test:///default");
    t.teardown(() => conn.close());
    const dom = await conn.lookupByName("test");
    const live = await dom.getXMLDesc(0);
    const inactive = await dom.getXMLDesc(DomainXMLFlags.VIR_DOMAIN_XML_INACTIVE);
    t.is(canonicalizeDomainXML(live), live);
    t.is(canonicalizeDomainXML(inactive, { inactive: true }), inactive);
    t.is(live, inactive.replace("<domain type='test'>", "<domain type='test' id='1'>"));
  });
}
