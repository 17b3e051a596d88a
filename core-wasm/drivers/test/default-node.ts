// test:///default's node, and the domains a custom node file (node-file.ts) adds: libvirt's test
// driver fills its nodes this way, through the shared lifecycle engine (node/lifecycle.ts).
import { Code } from "../../errors";
import { Doc } from "../../xml/dom";
import { S } from "../../xml/names.gen";
import { parseDocument, copyIntoDoc } from "../../xml/parser";
import { err } from "../../domain/context";
import { Definition } from "../../objects/definition";
import { DomainObj } from "../../objects/domain-list";
import { State } from "../../objects/states";
import { DomainNode, liveDefinition } from "../../node/lifecycle";
import { addNodeNetwork } from "../../operations/networks";

const doc = new Doc();

/** libvirt's test:///default domain. */
/**
 * The default node's domain "test": libvirt's definition in canonical form, with "testnet0", the
 * name libvirt gives its interface at open. Every command line run opens this node, so it is
 * taken as written instead of being run through the rules (a test pins that the rules give
 * both forms back unchanged).
 */
const DEFAULT_DOMAIN = `<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory unit='KiB'>8388608</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='i686'>hvm</type>
    <boot dev='hd'/>
  </os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default'/>
      <target dev='testnet0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`;

/** libvirt's test driver's default network (testnode's "default"), active and persistent. */
const DEFAULT_NETWORK = `<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
`;

/** Fills a new default node: its domain "test" runs as id 1 (state reason unknown, as libvirt), its network "default" is active. */
export function populateDefault(node: DomainNode): bool {
  node.isDefault = true;
  if (!addNodeNetwork(node.networks, DEFAULT_NETWORK, true)) return false;
  if (!parseDocument(doc, copyIntoDoc(doc, String.UTF8.encode(DEFAULT_DOMAIN)), "(domain_definition)")) return false;
  const def = Definition.fromDoc(doc);
  doc.setAttrU64(doc.root, S.id, <u64>node.nextId); // after type, where the rules put it
  addRunning(node, def, Definition.fromDoc(doc), State.RUNNING, false);
  return true;
}

/**
 * A domain from a node file: test:runstate, test:transient and test:hasmanagedsave, as
 * libvirt's test driver reads them (running domains get ids in document order).
 */
export function bootFromNodeFile(node: DomainNode, def: Definition, runstate: i32, transient: bool, managedSave: bool): DomainObj | null {
  const existing = node.list.placeFor(def, false);
  if (!node.list.ok) return null;
  if (existing !== null) {
    const b = err(Code.OPERATION_FAILED);
    b.str("domain '");
    b.str(def.name);
    b.str("' is defined twice in the node file");
    return null;
  }
  if (runstate != State.SHUTOFF) {
    const live = liveDefinition(def, node.nextId);
    return live === null ? null : addRunning(node, def, live, runstate, transient);
  }
  const obj = node.list.add(def);
  obj.persistent = true;
  obj.hasManagedSave = managedSave;
  return obj;
}

/** Adds a domain that runs as the node's next id, with its live and (unless transient) persistent definitions. */
function addRunning(node: DomainNode, def: Definition, live: Definition, runstate: i32, transient: bool): DomainObj {
  const obj = node.list.add(live);
  obj.persistent = !transient;
  if (!transient) obj.newDef = def;
  node.list.setId(obj, node.nextId++);
  obj.state = runstate;
  obj.reason = 0;
  return obj;
}
