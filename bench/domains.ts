// Domain operations through the public Node API on test:///default: define+create+destroy+
// undefine cycles, getXMLDesc, and listAllDomains over 10,001 domains.
import { openConnection } from "../src/index.js";

const xml = (i: number) => `<domain type='test'><name>bench${i}</name><memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>`;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

export interface DomainFigures {
  cycles: number;
  xmlDesc: number;
  listAllMs: number;
}

export async function measureDomains(): Promise<DomainFigures> {
  const conn = await openConnection("test:///default");
  let n = 0;
  const cycles = async (count: number) => {
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const d = await conn.defineXML(xml(n++));
      await d.create();
      await d.destroy();
      await d.undefine();
    }
    return count / ((performance.now() - start) / 1000);
  };
  await cycles(2000);
  const cycleRates: number[] = [];
  for (let r = 0; r < 5; r++) cycleRates.push(await cycles(10000));

  const test = await conn.lookupByName("test");
  const xmlRates: number[] = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (let i = 0; i < 100000; i++) await test.getXMLDesc();
    xmlRates.push(100000 / ((performance.now() - start) / 1000));
  }

  for (let i = 0; i < 10000; i++) await conn.defineXML(xml(1_000_000 + i));
  const listTimes: number[] = [];
  for (let r = 0; r < 7; r++) {
    const start = performance.now();
    const all = await conn.listAllDomains();
    listTimes.push(performance.now() - start);
    if (all.length !== 10001) throw new Error(`listAllDomains returned ${all.length} domains`);
  }
  await conn.close();
  return { cycles: median(cycleRates), xmlDesc: median(xmlRates), listAllMs: median(listTimes) };
}
