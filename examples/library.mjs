// The library on the embedded test node: define a domain, start it, read its state, stop it.
// From a project that depends on virtkit: node library.mjs (in a checkout: node examples/library.mjs).
import { readFileSync } from "node:fs";
import { DomainState, openConnection, VirtError } from "virtkit";

const conn = await openConnection("test:///default");
conn.on("lifecycle", (dom, event, detail) => console.log(`event: ${dom.name} ${event}/${detail}`));
const xml = readFileSync(new URL("node.xml", import.meta.url), "utf8").match(/<domain type='test'>[\s\S]*?<\/domain>/)[0];
const dom = await conn.defineXML(xml.replace("<name>web</name>", "<name>example</name>").replace(/<uuid>.*<\/uuid>/, ""));
await dom.create();
const { state } = await dom.getState();
console.log(`${dom.name}: ${state === DomainState.VIR_DOMAIN_RUNNING ? "running" : state}`, await dom.getInfo());
await dom.destroy();
await dom.undefine();
try {
  await conn.lookupByName("example");
} catch (e) {
  if (e instanceof VirtError) console.log(`gone: ${e.message} (code ${e.code})`);
}
await conn.close();
