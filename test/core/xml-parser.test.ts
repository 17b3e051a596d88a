// The core's XML parser and libvirt-style writer, below any domain semantics.
import test from "ava";
import { Core } from "../../src/host/core.js";
import { VirtError } from "../../src/errors.js";

const core = new Core();
const roundTrip = (xml: string) => core.xmlRoundTrip(xml);

function parseError(t: import("ava").ExecutionContext, xml: string): VirtError {
  const e = t.throws(() => roundTrip(xml), { instanceOf: VirtError }) as VirtError;
  return e;
}

test("writes libvirt layout: 2-space indent, single quotes, self-closing empty elements", (t) => {
  t.is(
    roundTrip(`<a  x="1" y='&quot;'><b>t&amp;</b>\n\n<c/><d></d></a>`),
    `<a x='1' y='&quot;'>\n  <b>t&amp;</b>\n  <c/>\n  <d/>\n</a>\n`,
  );
});

test("decodes character references, CDATA and the five predefined entities", (t) => {
  t.is(roundTrip(`<a v='&#65;&#x42;&lt;'><![CDATA[<x>]]>&apos;</a>`), `<a v='AB&lt;'>&lt;x&gt;&apos;</a>\n`);
});

test("normalises whitespace in attribute values and CRLF in text", (t) => {
  t.is(roundTrip(`<a v='x\ty\nz'>1\r\n2</a>`), `<a v='x y z'>1\n2</a>\n`);
});

test("accepts an XML declaration, comments and PIs around the root", (t) => {
  t.is(roundTrip(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a/><?pi x?>\n`), `<a/>\n`);
});

test("premature end is reported as libvirt reports libxml2 errors", (t) => {
  const e = parseError(t, "<domain type='test'>\n  <name>bad</name>\n  <os><type>hvm</type></os>\n");
  t.is(e.code, 35);
  t.is(e.domain, 20);
  t.is(e.message, "(domain_definition):4: Premature end of data in tag domain line 1\n(null)\n^");
});

test("an empty document is an error", (t) => {
  t.is(parseError(t, "").message, "(domain_definition):1: Document is empty\n(null)\n^");
  t.is(parseError(t, "  \n").message, "(domain_definition):2: Document is empty\n(null)\n^");
});

// Caret positions measured against libvirt 9.0 + libxml2 2.9.14 (differential testing).
test("tag mismatch names both tags and points after the end tag", (t) => {
  t.is(
    parseError(t, "<domain>\n  <name>x</nam>\n</domain>").message,
    "(domain_definition):2: Opening and ending tag mismatch: name line 2 and nam\n  <name>x</nam>\n---------------^",
  );
});

test("a repeated attribute is reported at the end of its start tag", (t) => {
  t.is(
    parseError(t, "<domain>\n  <name a='1' a='2'>p5</name>\n</domain>").message,
    "(domain_definition):2: Attribute a redefined\n  <name a='1' a='2'>p5</name>\n-------------------^",
  );
});

test("257 levels of nesting are accepted, 258 are not (libxml2's limit)", (t) => {
  t.notThrows(() => roundTrip("<a>".repeat(257) + "</a>".repeat(257)));
  t.regex(parseError(t, "<a>".repeat(258) + "</a>".repeat(258)).message, /Excessive depth in document: 256/);
});

for (const [what, xml, message] of [
  ["duplicate attribute", "<a x='1' x='2'/>", "Attribute x redefined"],
  ["undefined entity", "<a>&foo;</a>", "Entity 'foo' not defined"],
  ["NUL byte", "<a>\u0000</a>", "Char 0x0 out of allowed range"],
  ["control character", "<a>\u0001</a>", "PCDATA invalid Char value 1"],
  ["content after the root", "<a/><b/>", "Extra content at the end of the document"],
  ["text before the root", "hello", "Start tag expected, '<' not found"],
  ["attribute without value", "<a x/>", "Specification mandates value for attribute x"],
  ["unquoted attribute", "<a x=1/>", "AttValue: \" or ' expected"],
  ["'<' in an attribute", "<a x='<'/>", "Unescaped '<' not allowed in attributes values"],
  ["invalid character reference", "<a>&#0;</a>", "xmlParseCharRef: invalid xmlChar value 0"],
  ["attributes run together", "<a x='1'y='2'/>", "attributes construct error"],
  ["unsupported encoding", "<?xml version='1.0' encoding='latin1'?><a/>", "Unsupported encoding latin1"],
] as const) {
  test(`rejects ${what}`, (t) => {
    const e = parseError(t, xml);
    t.is(e.code, 35);
    t.true(e.message.split("\n")[0].endsWith(": " + message), e.message);
  });
}

test("refuses DOCTYPE, so no entity is ever declared or expanded", (t) => {
  const e = parseError(t, `<!DOCTYPE a [<!ENTITY x "${"y".repeat(10)}">]><a>&x;</a>`);
  t.is(e.code, 27);
  t.regex(e.message, /^XML error: document type declarations are not allowed/);
});

test("rejects nesting deeper than 256 without recursion", (t) => {
  const e = parseError(t, "<a>".repeat(100_000));
  t.regex(e.message, /Excessive depth in document: 256 use XML_PARSE_HUGE option/);
  t.is(roundTrip("<a/>"), "<a/>\n");
});

test("accepts UTF-8 bytes and rejects invalid UTF-8 as libxml2 does", (t) => {
  t.is(core.xmlRoundTrip(Buffer.from("<a>é</a>")), "<a>é</a>\n");
  const e = t.throws(() => core.xmlRoundTrip(Buffer.from([0x3c, 0x61, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x61, 0x3e]))) as VirtError;
  t.is(e.message.split("\n").slice(0, 2).join("\n"), "(domain_definition):1: Input is not proper UTF-8, indicate encoding !\nBytes: 0xC3 0x28 0x3C 0x2F");
  // a lone surrogate in a JS string is not repaired: it arrives as the bytes it stands for
  t.regex(parseError(t, "<a>\ud800</a>").message, /^\(domain_definition\):1: Char 0xD800 out of allowed range\n/);
});

test("rejects a document over 10 MiB without copying it", (t) => {
  const e = parseError(t, "<a>" + " ".repeat(11 * 1024 * 1024) + "</a>");
  t.is(e.code, 27);
  t.regex(e.message, /document is too large/);
  t.is(roundTrip("<a/>"), "<a/>\n");
});
