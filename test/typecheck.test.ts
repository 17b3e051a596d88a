// The whole project type-checks: src/ as the build declares it, and the tests and benchmarks that
// tsx runs without checking (tsconfig.check.json, `npm run typecheck`). It runs the checkout's
// own TypeScript and writes nothing, so it works from a read-only copy as a plain user.
import test from "ava";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const checkout = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

test("src, test and bench type-check", (t) => {
  t.timeout(300_000);
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.check.json", "--pretty", "false", "--listFiles"], {
    cwd: checkout,
    encoding: "utf8",
    timeout: 280_000,
  });
  // --listFiles prints every file checked, as absolute paths; everything else is a diagnostic
  const lines = r.stdout.split("\n").filter(Boolean);
  const checked = lines.filter((l) => isAbsolute(l)).map((f) => relative(checkout, f));
  const diagnostics = lines.filter((l) => !isAbsolute(l));
  t.deepEqual(diagnostics, [], "tsc reports no errors");
  t.is(r.status, 0, `tsc exits with ${r.status ?? r.signal}: ${r.stderr}`);
  const folders = new Set(checked.filter((f) => !f.startsWith("..") && !f.startsWith("node_modules")).map((f) => f.split(sep)[0]));
  for (const folder of ["src", "test", "bench"]) t.true(folders.has(folder), `${folder}/ is checked`);
});
