// A document that is not UTF-8 is refused as libvirt refuses it (libxml2's "Input is not proper
// UTF-8"), never repaired with U+FFFD on its way to the parser: a file the command line reads, and
// a string with a lone surrogate given to the API.
import test from "ava";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalizeDomainXML, ErrorDomain, ErrorNumber, openConnection, VirtError } from "../../src/index.js";
import { decodeDocument, escapedBytes } from "../../src/host/utf8.js";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/temp.js";

const dir = tempDir("virtkit-utf8");
const bad = Buffer.concat([Buffer.from("<domain type='test'>\n  <name>bad"), Buffer.from([0xff]), Buffer.from("</name>\n  <memory>1024</memory>\n  <os><type>hvm</type></os>\n</domain>\n")]);
writeFileSync(join(dir, "bad.xml"), bad);

/** libvirt's report of libxml2's error (the context line as the core echoes it, see the README). */
const NOT_UTF8 = "(domain_definition):2: Input is not proper UTF-8, indicate encoding !\nBytes: 0xFF 0x3C 0x2F 0x6E\n  <name>bad\uFFFD</name>\n-----------^";

test("define and create of a file that is not UTF-8 fail with libxml2's words", async (t) => {
  for (const command of ["define", "create"]) {
    const run = await runCli([command, "bad.xml"], { cwd: dir });
    t.is(run.stdout, "\n"); // (virsh prints its empty line too: err-define-malformed.txt)
    t.is(run.stderr, `error: Failed to ${command} domain from bad.xml\nerror: ${NOT_UTF8}\n`, command);
    t.is(run.status, 1);
  }
  // the installed command line, as a user runs it
  const cli = spawnSync(process.execPath, [fileURLToPath(new URL("../../dist/cli.cjs", import.meta.url)), "define bad.xml; list --all --name"], { cwd: dir, encoding: "utf8" });
  t.is(cli.stderr, `error: Failed to define domain from bad.xml\nerror: ${NOT_UTF8}\n`);
  t.is(cli.stdout, "\ntest\n\n", "nothing was defined");
});

test("the API refuses a document with a lone surrogate instead of replacing it", async (t) => {
  const conn = await openConnection("test:///default");
  const xml = (name: string) => `<domain type='test'><name>${name}</name><memory>1024</memory><os><type>hvm</type></os></domain>`;
  const e = await t.throwsAsync(conn.defineXML(xml("a\ud800b")), { instanceOf: VirtError });
  // the surrogate's three bytes, as libxml2 reads them
  t.like(e, { code: ErrorNumber.VIR_ERR_XML_DETAIL, domain: ErrorDomain.VIR_FROM_DOMAIN });
  t.regex(e?.message ?? "", /^\(domain_definition\):1: Char 0xD800 out of allowed range\n/);
  t.throws(() => canonicalizeDomainXML(xml("\udc00x")), { instanceOf: VirtError, message: /^\(domain_definition\):1: Char 0xDC00 out of allowed range\n/ });
  // a byte the command line kept from a file is that byte again
  t.throws(() => canonicalizeDomainXML(xml("a\udcffb")), { message: /^\(domain_definition\):1: Input is not proper UTF-8, indicate encoding !\nBytes: 0xFF 0x62 0x3C 0x2F\n/ });
  // a well-formed pair is one character
  t.regex(canonicalizeDomainXML(xml("a\ud83d\ude00b")), /<name>a\u{1F600}b<\/name>/u);
  t.deepEqual((await conn.listAllDomains(0)).map((d) => d.name), ["test"]);
  await conn.close();
});

test("bytes read as a document come back as the same bytes, valid or not", (t) => {
  const samples = [
    Buffer.from("plain ascii"),
    Buffer.from("é€😀"),
    Buffer.from([0xff, 0xfe, 0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0xe2, 0x82]),
    Buffer.from([0x61, 0xdc, 0x80, 0xf0, 0x9f, 0x98, 0x80, 0xc2]),
  ];
  let seed = 7;
  for (let n = 0; n < 200; n++) {
    const bytes = Buffer.alloc(1 + (n % 40));
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    samples.push(bytes);
  }
  for (const bytes of samples) {
    const text = decodeDocument(bytes);
    const out = new Uint8Array(text.length * 3);
    t.deepEqual(Buffer.from(out.subarray(0, escapedBytes(text, out))), bytes);
  }
  t.is(decodeDocument(Buffer.from("é€😀")), "é€😀");
  t.is(decodeDocument(Buffer.from([0x61, 0xff])), "a\udcff");
});
