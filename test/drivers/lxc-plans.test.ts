// Golden lxc:/// start plans: each test/fixtures/lxc-plans/CASE.xml is defined on an lxc node in
// core.wasm and started as the driver starts it (domainDefine, then hostedPlanStart); the plan
// must equal CASE.plan byte for byte. The node's facts are fixed, not read from this host: the run
// directory, and the cgroup layout in CASE.cgroups (the lines cgroupFacts() writes) or, without
// one, a pure v2 host. No root needed: the plan is the core's alone.
// VIRTKIT_UPDATE_GOLDEN=1 rewrites the .plan files from what the core writes now.
import test from "ava";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Core, coreModule } from "../../src/host/core.js";
import { MockCoreImports } from "../../src/host/mock-imports.js";
import { decodeLines } from "../../src/drivers/hosted/plan-lines.js";
import { fixturePath } from "../support/fixtures.js";

const fixtures = fixturePath("lxc-plans");
const update = process.env.VIRTKIT_UPDATE_GOLDEN === "1";
const RUN_DIR = "/run/virtkit/lxc";
/** A host with only the unified hierarchy and the usual controllers enabled at its root. */
const PURE_V2 = "v2 /sys/fs/cgroup cpuset cpu io memory pids";

const core = new Core(coreModule(), new MockCoreImports(0));

/** The plan that starts the domain defined by xml, on a fresh lxc node with these cgroups. */
function startPlan(xml: string, cgroups: string): string {
  const node = core.hostedNodeOpen("lxc", RUN_DIR, "", cgroups);
  try {
    return core.hostedPlanStart(node, core.domainDefine(node, xml, 0));
  } finally {
    core.nodeClose(node);
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

const cases = readdirSync(fixtures)
  .filter((f) => f.endsWith(".xml"))
  .map((f) => f.slice(0, -".xml".length))
  .sort();

for (const name of cases) {
  test(`lxc start plan: ${name}`, (t) => {
    const cgroups = readOptional(join(fixtures, `${name}.cgroups`)) ?? PURE_V2;
    const plan = startPlan(readFileSync(join(fixtures, `${name}.xml`), "utf8"), cgroups);
    const golden = join(fixtures, `${name}.plan`);
    if (update) writeFileSync(golden, plan);
    const expected = readOptional(golden);
    if (expected === undefined) return t.fail(`${name}.plan is missing (VIRTKIT_UPDATE_GOLDEN=1 writes it)`);
    t.is(plan, expected);
  });
}

test("every .plan and .cgroups file belongs to a case", (t) => {
  const orphans = readdirSync(fixtures).filter((f) => /\.(plan|cgroups)$/.test(f) && !cases.includes(f.replace(/\.(plan|cgroups)$/, "")));
  t.deepEqual(orphans, []);
});

test("the cases cover every step a start plan can hold", (t) => {
  const steps = new Set<string>();
  for (const name of cases) {
    const plan = readOptional(join(fixtures, `${name}.plan`)) ?? "";
    for (const fields of decodeLines(plan)) steps.add(fields[0]);
  }
  const every = [
    ...["host-mkdir", "host-write", "host-copy", "host-devices-bpf", "host-freezer", "host-cpu-usage", "host-memory-usage", "host-cgroup"],
    ...["instance", "control", "status", "clone", "uid_map", "gid_map", "cgroup", "thaw", "console", "on_poweroff", "on_reboot", "on_crash", "cleanup-dir", "veth"],
    ...["net-up", "net-address", "net-route"],
    ...["make-rprivate", "bind", "root", "mount", "mkdir", "touch", "readonly", "mask", "symlink", "console-bind", "pivot", "hostname", "chdir"],
    ...["bounding-set", "seccomp"],
    ...["setgroups", "setgid", "setuid", "stdio", "env", "exec"],
  ];
  t.deepEqual([...steps].sort(), [...every].sort());
});
