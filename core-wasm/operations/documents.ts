// Operations on a document alone (no node): the library's stateless XML functions.
import { canonicalizeDoc, reorderDomain, writeDomain } from "../domain/canonical";
import { assignPciAddresses } from "../drivers/kvm/pci-addresses";
import { writeDomainJSON } from "../domain/json";
import { parseDocument } from "../xml/parser";
import { writeElement } from "../xml/writer";
import { io } from "../abi/runtime";
import { NONE } from "../xml/dom";
import { S } from "../xml/names.gen";
import { parseUUID, uuidBytes } from "../domain/values";
import { checkNetwork, writeNetwork } from "../network/network-xml";
import { conf, dhcpHosts, dnsHosts, dnsmasqConfig, dnsmasqNeeded } from "../network/dnsmasq-config";
import { reserveInput } from "../xml/parser";
import { bytesOf } from "../util/bytes";
import { writeNetworkDnsmasqFiles } from "../abi/records.gen";
import { buildRules } from "../network/firewall-rules";
import { writeFirewall } from "../network/nft-script";
import { Code, From, fail } from "../errors";
import { FirewallForm } from "../abi/enums.gen";

/** Network XML → libvirt-canonical network XML (flags: virNetworkXMLFlags INACTIVE). */
export function networkCanonicalize(len: i32, flags: i32): bool {
  if (!checkNetwork(io.input, len)) return false;
  writeNetwork(io.output, flags);
  return true;
}

/**
 * A network's live XML → the files its dnsmasq runs with (network/dnsmasq-config.ts). The
 * XML arrives as a text field beside the paths, so it is parsed in the input buffer once those
 * fields have been read.
 */
export function networkDnsmasqConfig(xml: string, stateDir: string, pidFile: string): bool {
  const utf8 = String.UTF8.encode(xml);
  memory.copy(reserveInput(io.input, utf8.byteLength), changetype<usize>(utf8), <usize>utf8.byteLength);
  if (!dnsmasqConfig(io.input, utf8.byteLength, stateDir, pidFile)) return false;
  writeNetworkDnsmasqFiles(io.output, dnsmasqNeeded(), bytesOf(conf), bytesOf(dhcpHosts), bytesOf(dnsHosts));
  return true;
}

/** Network XML (its live definition: the bridge named) → its firewall as text in `form` (FirewallForm). */
export function networkFirewall(len: i32, form: i32): bool {
  if (form != FirewallForm.COMMANDS && form != FirewallForm.APPLY && form != FirewallForm.REMOVE) {
    return fail(Code.INVALID_ARG, From.NETWORK, "unknown firewall form " + form.toString());
  }
  return checkNetwork(io.input, len) && buildRules() && writeFirewall(io.output, form);
}

export function canonicalize(len: i32, flags: i32): bool {
  if (!canonicalizeDoc(io.input, len, flags)) return false;
  writeDomain(io.output, io.input);
  return true;
}

export function kvmDefinitionAddresses(len: i32, flags: i32): bool {
  if (!canonicalizeDoc(io.input, len, flags) || !assignPciAddresses(io.input) || !reorderDomain(io.input)) return false;
  writeDomain(io.output, io.input);
  return true;
}

export function parseToJSON(len: i32, flags: i32): bool {
  if (!canonicalizeDoc(io.input, len, flags)) return false;
  writeDomainJSON(io.output, io.input);
  return true;
}

export function parseXML(len: i32): bool {
  return parseDocument(io.input, len, "(domain_definition)");
}

export function documentName(len: i32): bool {
  const d = io.input;
  if (!parseDocument(d, len, "(domain_definition)")) return false;
  const name = d.child(d.root, S.name);
  const text = name == NONE ? NONE : d.textNode(name);
  if (text != NONE) io.output.raw(d.buf.ptr + <usize>d.valOffOf(text), d.valLenOf(text));
  return true;
}

/** The domain's <uuid> in canonical form; nothing when it has none or not a valid one (a UUID is then made for it). */
export function documentUuid(len: i32): bool {
  const d = io.input;
  if (!parseDocument(d, len, "(domain_definition)")) return false;
  const uuid = d.child(d.root, S.uuid);
  const text = uuid == NONE ? NONE : d.textNode(uuid);
  if (text == NONE || !parseUUID(d.buf, d.valOffOf(text), d.valLenOf(text))) return true;
  for (let k = 0; k < 16; k++) {
    if (k == 4 || k == 6 || k == 8 || k == 10) io.output.byte(45);
    io.output.hex(<u64>unchecked(uuidBytes[k]), 2);
  }
  return true;
}

export function xmlRoundTrip(len: i32): bool {
  if (!parseDocument(io.input, len, "(domain_definition)")) return false;
  writeElement(io.output, io.input, io.input.root, 0);
  return true;
}
