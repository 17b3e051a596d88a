// The package as users get it: `import ... from "virtkit"` resolves to the esbuild bundle in
// dist/ (built by `npm ci`), with its type declarations beside it.
import test from "ava";
import { existsSync, readFileSync } from "node:fs";

test("the published entry point canonicalizes and raises VirtError", async (t) => {
  const virtkit = await import("virtkit");
  const out = virtkit.canonicalizeDomainXML("<domain type='kvm'><name>p</name><memory>1</memory><os><type>hvm</type></os></domain>");
  t.true(out.startsWith("<domain type='kvm'>\n  <name>p</name>\n"));
  const e = t.throws(() => virtkit.canonicalizeDomainXML("<domain/>")) as InstanceType<typeof virtkit.VirtError>;
  t.true(e instanceof virtkit.VirtError);
  t.is(e.code, virtkit.ErrorNumber.VIR_ERR_INTERNAL_ERROR);
});

test("type declarations ship with the bundle", (t) => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const types = new URL(`../${pkg.exports["."].types}`, import.meta.url);
  t.true(existsSync(types));
  t.regex(readFileSync(types, "utf8"), /canonicalizeDomainXML/);
});
