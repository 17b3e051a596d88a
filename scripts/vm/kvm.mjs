// npm run test:kvm [-- CMD ARGS…]: the KVM suite (test/kvm/), or any command, inside the
// test:vm guest, where QEMU's emulated AMD SVM gives the kernel a real /dev/kvm.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const run = fileURLToPath(new URL("run.mjs", import.meta.url));
const args = process.argv.slice(2);
const command = args.length > 0 ? args : ["npx", "ava", "--concurrency=1", "--timeout=10m", "test/kvm/"];
const r = spawnSync(process.execPath, [run, "bash", "-c", 'test -c /dev/kvm || { echo "test:kvm: no /dev/kvm in the guest"; exit 1; }; exec "$@"', "kvm", ...command], { stdio: "inherit" });
process.exit(r.status ?? 1);
