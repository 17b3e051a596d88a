// virConnectGetAllDomainStats over the registry: one listing with each domain's state and
// balloon values, libvirt's filters, and libvirt's refusals of unknown flags and (with
// ENFORCE_STATS) groups the driver does not report.
import test from "ava";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  ConnectGetAllDomainStatsFlags as F, DomainState as S, DomainStatsTypes as Stats, ErrorDomain, ErrorNumber, openConnection, TypedParameterType as T, VirtError,
} from "../../src/index.js";
import { tempDir } from "../support/temp.js";

const domain = (name: string, kib: number) => `<domain type='test'><name>${name}</name><memory unit='KiB'>${kib}</memory><currentMemory unit='KiB'>${kib / 2}</currentMemory><os><type>hvm</type></os></domain>`;

/** A private test node with a running domain "on" (its node file's) and an inactive one "off" (defined). */
async function node() {
  const file = join(tempDir("virtkit-stats"), "node.xml");
  writeFileSync(file, `<node>${domain("on", 262144)}</node>`);
  const conn = await openConnection(`test://${file}`);
  await conn.defineXML(domain("off", 131072));
  return conn;
}

/** Each record as name → { field: value }. */
async function statsBy(conn: Awaited<ReturnType<typeof node>>, stats: number, flags = 0) {
  const records = await conn.getAllDomainStats(stats, flags);
  return Object.fromEntries(records.map(({ dom, params }) => [dom.name, Object.fromEntries(params.map((p) => [p.field, p.value]))]));
}

test("every domain's state and balloon, in libvirt's field names and types", async (t) => {
  const conn = await node();
  // (a node file's domain runs with the reason its file gives: none here)
  const onReason = (await (await conn.lookupByName("on")).getState()).reason;
  const records = await conn.getAllDomainStats(Stats.VIR_DOMAIN_STATS_STATE | Stats.VIR_DOMAIN_STATS_BALLOON);
  t.deepEqual(
    records.map(({ dom, params }) => [dom.name, params]),
    [
      [
        "on",
        [
          { field: "state.state", type: T.VIR_TYPED_PARAM_INT, value: S.VIR_DOMAIN_RUNNING },
          { field: "state.reason", type: T.VIR_TYPED_PARAM_INT, value: onReason },
          { field: "balloon.current", type: T.VIR_TYPED_PARAM_ULLONG, value: 131072 },
          { field: "balloon.maximum", type: T.VIR_TYPED_PARAM_ULLONG, value: 262144 },
        ],
      ],
      [
        "off",
        [
          { field: "state.state", type: T.VIR_TYPED_PARAM_INT, value: S.VIR_DOMAIN_SHUTOFF },
          { field: "state.reason", type: T.VIR_TYPED_PARAM_INT, value: 0 },
          { field: "balloon.current", type: T.VIR_TYPED_PARAM_ULLONG, value: 65536 },
          { field: "balloon.maximum", type: T.VIR_TYPED_PARAM_ULLONG, value: 131072 },
        ],
      ],
    ],
  );
  t.deepEqual(await statsBy(conn, 0), await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE | Stats.VIR_DOMAIN_STATS_BALLOON), "0 asks for every group reported");
  t.deepEqual(await statsBy(conn, Stats.VIR_DOMAIN_STATS_BALLOON), { on: { "balloon.current": 131072, "balloon.maximum": 262144 }, off: { "balloon.current": 65536, "balloon.maximum": 131072 } });
  // the records' domains are domains like any others
  const on = records[0].dom;
  await on.suspend();
  t.deepEqual(await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE), { on: { "state.state": S.VIR_DOMAIN_PAUSED, "state.reason": 1 }, off: { "state.state": S.VIR_DOMAIN_SHUTOFF, "state.reason": 0 } });
  await conn.close();
});

test("the listing filters are listAllDomains's; a group not reported is left out unless enforced", async (t) => {
  const conn = await node();
  t.deepEqual(Object.keys(await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)), ["on"]);
  t.deepEqual(Object.keys(await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF)), ["off"]);
  t.deepEqual(Object.keys(await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT)), []);
  t.deepEqual(Object.keys(await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT)), ["on", "off"]);
  t.deepEqual(await statsBy(conn, Stats.VIR_DOMAIN_STATS_VCPU | Stats.VIR_DOMAIN_STATS_STATE), await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE), "vcpu is not reported: left out");
  t.deepEqual(await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS), await statsBy(conn, Stats.VIR_DOMAIN_STATS_STATE));

  const enforced = await t.throwsAsync(conn.getAllDomainStats(Stats.VIR_DOMAIN_STATS_VCPU | Stats.VIR_DOMAIN_STATS_BLOCK | Stats.VIR_DOMAIN_STATS_STATE, F.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS), { instanceOf: VirtError });
  t.like(enforced, { code: ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED, domain: ErrorDomain.VIR_FROM_TEST, message: "argument unsupported: Stats types bits 0x28 are not supported by this daemon" });
  const unknown = await t.throwsAsync(conn.getAllDomainStats(0, 0x100), { instanceOf: VirtError });
  t.like(unknown, { code: ErrorNumber.VIR_ERR_INVALID_ARG, message: "unsupported flags (0x100) in function testConnectGetAllDomainStats" });
  await conn.close();
});
