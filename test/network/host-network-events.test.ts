// Network lifecycle events on lxc:/// for what other processes do: a process that listens hears
// another process define, autostart-mark and undefine a network (defining touches no network of
// the host's: these run outside the test:vm guest too, as root).
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { NetworkEventLifecycleType as Ev, openConnection, type Network } from "../../src/index.js";
import { needsRoot, testIf } from "../support/gated.js";
import { lxcTestNode } from "../support/hosted.js";

const asRoot = testIf(needsRoot("lxc:///system's state"));
const { base } = lxcTestNode("virtkit-net-events");

/** Runs `body` (statements using `conn`, an lxc:///system connection) in another process. */
function inAnotherProcess(body: string): ReturnType<typeof spawnSync> {
  const script = join(base, `other-${Date.now()}.mts`);
  writeFileSync(script, `import { openConnection } from ${JSON.stringify(join(import.meta.dirname, "../../src/index.js"))};\nconst conn = await openConnection("lxc:///system");\n${body}\nawait conn.close();\n`);
  return spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8" });
}

asRoot.serial("a listener hears networks defined and undefined by another process, and its own changes once", async (t) => {
  const conn = await openConnection("lxc:///system");
  t.teardown(() => conn.close());
  const heard: [string, number][] = [];
  let wake: () => void = () => {};
  conn.on("networkLifecycle", (net: Network, event: number) => {
    heard.push([net.name, event]);
    wake();
  });
  /** Waits (at most 10 s) until `count` events were heard. */
  const until = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (heard.length < count && Date.now() < deadline) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, 200)));
  };
  const other = inAnotherProcess(`await conn.networkDefineXML("<network><name>evt</name><ip address='192.168.170.1' prefix='24'/></network>");`);
  t.is(other.status, 0, String(other.stderr));
  await until(1);
  t.deepEqual(heard, [["evt", Ev.VIR_NETWORK_EVENT_DEFINED]], "another process's define");
  const again = inAnotherProcess(`await (await conn.networkLookupByName("evt")).undefine();`);
  t.is(again.status, 0, String(again.stderr));
  await until(2);
  t.deepEqual(heard[1], ["evt", Ev.VIR_NETWORK_EVENT_UNDEFINED], "another process's undefine");
  // this process's own: told once (by the call, not again by the watcher)
  const own = await conn.networkDefineXML("<network><name>own</name><ip address='192.168.171.1' prefix='24'/></network>");
  await own.undefine();
  // a later change of another process's, heard after anything the watcher would have told of ours
  const marker = inAnotherProcess(`await conn.networkDefineXML("<network><name>marker</name></network>");`);
  t.is(marker.status, 0, String(marker.stderr));
  await until(5);
  t.deepEqual(heard.slice(2), [
    ["own", Ev.VIR_NETWORK_EVENT_DEFINED],
    ["own", Ev.VIR_NETWORK_EVENT_UNDEFINED],
    ["marker", Ev.VIR_NETWORK_EVENT_DEFINED],
  ]);
  await (await conn.networkLookupByName("marker")).undefine();
});
