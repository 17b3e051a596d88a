// npm run test:kvm [-- CMD ARGS…]: the KVM suite (test/kvm/), or any command, inside the
// test:vm guest, where QEMU's emulated AMD SVM gives the kernel a real /dev/kvm.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const run = fileURLToPath(new URL("run.mjs", import.meta.url));
const args = process.argv.slice(2);
const command = args.length > 0 ? args : ["npx", "ava", "--timeout=10m", "test/kvm/"];
// Two vCPUs for the guest (QEMU runs them on two host threads): an L2 guest's vCPU threads and its
// VMM's other threads then do not take turns on one.
const env = { ...process.env, VIRTKIT_VM_CPUS: process.env.VIRTKIT_VM_CPUS ?? "2" };
const r = spawnSync(process.execPath, [run, "bash", "-c", 'test -c /dev/kvm || { echo "test:kvm: no /dev/kvm in the guest"; exit 1; }; exec "$@"', "kvm", ...command], { stdio: "inherit", env });
process.exit(r.status ?? 1);
