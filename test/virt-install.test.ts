// Domains in the style virt-install writes, and the corners of libvirt's rules they touch (USB2
// companion indexes, console ports, controller order), against what libvirt 9.0 wrote for them
// (test/fixtures/virt-install/, recorded by scripts/capture-virt-install.mjs). Each NAME.xml,
// defined on a test node, must print as NAME.libvirt.xml (or fail as NAME.error.txt says), and
// canonicalizing libvirt's output must give what libvirt gives when it reads that output back:
// NAME.reread.xml where libvirt itself reorders or renumbers, else the output unchanged.
import test from "ava";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalizeDomainXML, openConnection, VirtError } from "../src/index.js";
import { fixturePath } from "./support/fixtures.js";

const dir = fixturePath("virt-install");
const read = (file: string) => readFileSync(join(dir, file), "utf8");
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".xml") && !f.endsWith(".libvirt.xml") && !f.endsWith(".reread.xml"))
  .map((f) => f.slice(0, -".xml".length));

/** A private, empty test node, so that the domain's interfaces are named as on a fresh virsh. */
function emptyNode(): string {
  const file = join(mkdtempSync(join(tmpdir(), "virtkit-node-")), "node.xml");
  writeFileSync(file, "<node/>");
  return `test://${file}`;
}

test("every recorded domain has libvirt's output or error", (t) => {
  t.true(names.length > 0);
  for (const name of names) t.true(existsSync(join(dir, `${name}.libvirt.xml`)) || existsSync(join(dir, `${name}.error.txt`)), name);
});

for (const name of names) {
  test(`${name}: defined as libvirt defines it`, async (t) => {
    const conn = await openConnection(emptyNode());
    t.teardown(() => conn.close());
    const define = conn.defineXML(read(`${name}.xml`));
    if (existsSync(join(dir, `${name}.error.txt`))) {
      const e = (await t.throwsAsync(define, { instanceOf: VirtError })) as VirtError;
      t.is(e.message + "\n", read(`${name}.error.txt`));
      return;
    }
    t.is(await (await define).getXMLDesc(0), read(`${name}.libvirt.xml`));
  });

  if (!existsSync(join(dir, `${name}.libvirt.xml`))) continue;
  const reread = existsSync(join(dir, `${name}.reread.xml`)) ? `${name}.reread.xml` : `${name}.libvirt.xml`;
  test(`${name}: libvirt's output read back as libvirt reads it (${reread})`, (t) => {
    t.is(canonicalizeDomainXML(read(`${name}.libvirt.xml`)), read(reread));
  });
}
