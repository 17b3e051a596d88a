// kvm:///system on a host that cannot run its guests (no /dev/kvm, one this user cannot open, or
// one without VMX/SVM such as a PVM host): the node opens and keeps definitions, and a start is
// refused naming what is missing, leaving nothing behind.
import test from "ava";
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DomainState, ErrorDomain, ErrorNumber, VirtError } from "../../src/index.js";
import { kvmUnavailable } from "../../src/drivers/kvm.js";
import { openForTest } from "../support/hosted.js";
import { needsRoot, testIf } from "../support/gated.js";
import { tempDir } from "../support/temp.js";

const base = tempDir("virtkit-kvm-unavailable", "/tmp");
process.env.VIRTKIT_CONFIG_DIR = join(base, "etc");
process.env.VIRTKIT_RUN_DIR = join(base, "run");
process.env.VIRTKIT_STATE_DIR = join(base, "state");

function cpuinfo(flags: string): string {
  const file = join(base, `cpuinfo-${flags.replace(/\W/g, "_")}`);
  writeFileSync(file, `processor\t: 0\nflags\t\t: ${flags}\n`);
  return file;
}

test("a host runs guests only with a /dev/kvm it can open and a CPU with VMX or SVM", (t) => {
  const device = join(base, "kvm");
  writeFileSync(device, "");
  t.is(kvmUnavailable(join(base, "no-kvm"), cpuinfo("fpu vmx")), `cannot open ${join(base, "no-kvm")}: No such file or directory`);
  t.is(kvmUnavailable(device, cpuinfo("fpu sse2 hypervisor")), `this host's ${device} has no hardware virtualization (the CPU has neither VMX nor SVM)`);
  t.is(kvmUnavailable(device, cpuinfo("fpu vmx sse2")), undefined);
  t.is(kvmUnavailable(device, cpuinfo("fpu svm")), undefined);
});

const missing = kvmUnavailable();
const unavailableHere = testIf(needsRoot("kvm:///system") ?? (missing === undefined ? "this host can run KVM guests (test/kvm/ starts them)" : undefined));

unavailableHere("kvm:///system opens without a usable KVM: define, list and dumpxml work, start names what is missing", async (t) => {
  const conn = await openForTest(t, "kvm:///system");
  const dom = await conn.defineXML("<domain type='kvm'><name>nokvm</name><memory unit='MiB'>64</memory><os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os></domain>");
  t.deepEqual((await conn.listAllDomains(0)).map((d) => d.name), ["nokvm"]);
  t.regex(await dom.getXMLDesc(0), /<name>nokvm<\/name>/);
  const e = await t.throwsAsync(dom.create(), { instanceOf: VirtError });
  t.like(e, { code: ErrorNumber.VIR_ERR_CONFIG_UNSUPPORTED, domain: ErrorDomain.VIR_FROM_QEMU, message: `unsupported configuration: Domain requires KVM, but it is not available: ${missing}` });
  t.deepEqual(await dom.getState(), { state: DomainState.VIR_DOMAIN_SHUTOFF, reason: 0 });
  t.deepEqual(readdirSync(join(base, "run", "kvm")).filter((f) => f.startsWith("nokvm.")), [], "no runtime file");
  // the command line (its kvm driver is a bundle of its own) says the same
  const cli = spawnSync(process.execPath, [fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url)), "-c", "kvm:///system", "start nokvm; domstate nokvm"], { encoding: "utf8" });
  t.is(cli.stdout, "\nshut off\n\n");
  t.is(cli.stderr, `error: Failed to start domain 'nokvm'\nerror: unsupported configuration: Domain requires KVM, but it is not available: ${missing}\n`);
  await dom.undefine();
});
