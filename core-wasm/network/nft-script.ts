// A network's firewall rules (firewall-rules.ts) as nftables text, in one of three forms:
// - COMMANDS: the nft command lines libvirt 10.7 runs, as its test suite logs them: the setup of
//   its table libvirt_network (both families), then one `nft -ae insert rule` per rule;
// - APPLY: one `nft -f` script: virtkit's table virtkit_network, and the network's rules in
//   chains of its own;
// - REMOVE: one `nft -f` script deleting exactly what APPLY gave that network.
//
// virtkit's table has libvirt's chains (forward jumping to guest_cross, guest_input and
// guest_output; guest_nat on postrouting), but each holds one verdict-map lookup instead of rules:
// the bridge name (for NAT, the source subnet) picks the network's chain. Each of libvirt's rules
// names its bridge on the side the lookup reads (NAT rules: its subnet), so a packet meets the
// same rules in the same order as in libvirt's shared chains. Start adds the network's chains and
// map elements, destroy deletes them, each in one transaction that no other network's part is in.
// Every line is written through head/word/end, so a rule reads the same in every form.
import { ByteBuf } from "../util/bytes";
import { Code, From, beginError } from "../errors";
import { FirewallForm } from "../abi/enums.gen";
import { Chain, Rule, natSources, rules, rulesBridge } from "./firewall-rules";
import { checkedName } from "./network-xml";

const LIBVIRT_TABLE = "libvirt_network";
const VIRTKIT_TABLE = "virtkit_network";
/** The shared chains in libvirt's creation order; the hooked ones with their spec. */
const SHARED = ["forward", "guest_output", "guest_input", "guest_cross", "guest_nat"];
const HOOKS = ["{ type filter hook forward priority 0; policy accept; }", "", "", "", "{ type nat hook postrouting priority 100; policy accept; }"];
/** By Chain: the network's chain suffix, the map choosing that chain and what the map looks up. */
const SUFFIXES = ["output", "input", "cross", "nat"];
const MAPS = ["output_bridges", "input_bridges", "cross_bridges", "nat_sources"];
const LOOKUPS = ["iifname", "oifname", "iifname", "saddr"];
const SHELL_SPECIAL = "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~";

let out: ByteBuf = new ByteBuf(16);
/** libvirt's command lines, else script lines. */
let commands = false;
let afterOption = false;
let lineStart = true;

/** Writes the rules of the last buildRules in `form` (FirewallForm); false with the error. Nothing for no rules. */
export function writeFirewall(target: ByteBuf, form: i32): bool {
  out = target;
  if (rules.length == 0) return true;
  commands = form == FirewallForm.COMMANDS;
  if (commands) {
    libvirtSetup(4);
    libvirtSetup(6);
    for (let i = 0; i < rules.length; i++) writeRule(rules[i]);
    return true;
  }
  if (!namesUsable()) return false;
  if (form == FirewallForm.APPLY) writeApply();
  else writeRemove();
  return true;
}

// ---- one line: an nft command (libvirt) or a script line ------------------------------------------

function begin(): void {
  lineStart = true;
  afterOption = false;
  if (!commands) return;
  out.str("nft");
  lineStart = false;
}

/** One word. libvirt's log breaks the line before each argument but an option's value, and shell-quotes. */
function word(w: string): void {
  if (commands) {
    const option = w.length > 0 && w.charCodeAt(0) == 45;
    out.str(option || !afterOption ? " \\\n" : " ");
    shellWord(w);
    afterOption = option;
    return;
  }
  if (!lineStart) out.byte(32);
  out.str(w);
  lineStart = false;
}

/** An interface name: a script quotes it (nft reads a bare word as a keyword or symbol). */
function nameWord(w: string): void {
  if (commands) word(w);
  else word("\"" + w + "\"");
}

function end(): void {
  out.byte(10);
}

/** As libvirt's virBufferEscapeShell: bare unless a shell would read it otherwise. */
function shellWord(w: string): void {
  let special = w.length == 0;
  for (let i = 0; i < w.length && !special; i++) special = SHELL_SPECIAL.indexOf(w.charAt(i)) >= 0;
  if (!special) out.str(w);
  else out.str("'" + w.replaceAll("'", "'\\''") + "'");
}

/** Starts `VERB KIND FAMILY TABLE` (libvirt asks for a rule's handle with -ae, to delete it later). */
function head(verb: string, kind: string, family: i32, echoHandle: bool = false): void {
  begin();
  if (echoHandle) word("-ae");
  word(verb);
  word(kind);
  word(family == 4 ? "ip" : "ip6");
  word(commands ? LIBVIRT_TABLE : VIRTKIT_TABLE);
}

// ---- the shared part: libvirt's table and chains ---------------------------------------------------

function addTable(family: i32): void {
  head("add", "table", family);
  end();
}

function addSharedChain(family: i32, i: i32): void {
  head("add", "chain", family);
  word(SHARED[i]);
  if (HOOKS[i] != "") word(HOOKS[i]);
  end();
}

/** forward's jump to a shared chain (inserted: the last one made is looked at first). */
function jumpToShared(family: i32, i: i32): void {
  head("insert", "rule", family);
  word("forward");
  word("counter");
  word("jump");
  word(SHARED[i]);
  end();
}

/** What libvirt runs when its table is not there yet (it lists the table first). */
function libvirtSetup(family: i32): void {
  head("list", "table", family);
  end();
  addTable(family);
  for (let i = 0; i < SHARED.length; i++) {
    addSharedChain(family, i);
    if (i >= 1 && i <= 3) jumpToShared(family, i);
  }
}

// ---- the rules -------------------------------------------------------------------------------------

/** A rule, inserted as libvirt inserts it: into its shared chain, or in a script into the network's own. */
function writeRule(r: Rule): void {
  head("insert", "rule", r.family, commands);
  word(commands ? SHARED[r.chain + 1] : networkChain(r.chain));
  for (let i = 0; i < r.words.length; i++) {
    if (r.names[i]) nameWord(r.words[i]);
    else word(r.words[i]);
  }
  end();
}

function networkChain(chain: i32): string {
  return "net_" + rulesBridge() + "_" + SUFFIXES[chain];
}

/** Interface names go into chain names and quoted strings: only the characters both take. */
function namesUsable(): bool {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    for (let k = 0; k < r.words.length; k++) {
      if (!r.names[k] || plainName(r.words[k])) continue;
      beginError(Code.CONFIG_UNSUPPORTED, From.NETWORK).str("interface name '" + r.words[k] + "' of network '" + checkedName() + "' cannot be used in nftables rules");
      return false;
    }
  }
  return true;
}

function plainName(s: string): bool {
  if (s.length == 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46)) return false;
  }
  return true;
}

// ---- virtkit's scripts -----------------------------------------------------------------------------

function familyUsed(family: i32): bool {
  for (let i = 0; i < rules.length; i++) if (rules[i].family == family) return true;
  return false;
}

function chainUsed(family: i32, chain: i32): bool {
  for (let i = 0; i < rules.length; i++) if (rules[i].family == family && rules[i].chain == chain) return true;
  return false;
}

/** `verb chain` for each of the network's chains in the family (add, flush, delete). */
function networkChains(verb: string, family: i32): void {
  for (let c = 0; c < SUFFIXES.length; c++) {
    if (!chainUsed(family, c)) continue;
    head(verb, "chain", family);
    word(networkChain(c));
    end();
  }
}

function addMaps(family: i32): void {
  for (let m = 0; m < MAPS.length; m++) {
    head("add", "map", family);
    word(MAPS[m]);
    if (m != Chain.NAT) word("{ type ifname : verdict; }");
    else word(family == 4 ? "{ type ipv4_addr : verdict; flags interval; }" : "{ type ipv6_addr : verdict; flags interval; }");
    end();
  }
}

/** The shared chains' fixed content, written anew on every start (the same whichever network starts). */
function sharedRules(family: i32): void {
  for (let i = 0; i < SHARED.length; i++) {
    head("flush", "chain", family);
    word(SHARED[i]);
    end();
  }
  for (let i = 1; i <= 3; i++) jumpToShared(family, i);
  for (let m = 0; m < MAPS.length; m++) {
    head("add", "rule", family);
    word(SHARED[m + 1]);
    if (m == Chain.NAT) word(family == 4 ? "ip" : "ip6");
    word(LOOKUPS[m]);
    word("vmap");
    word("@" + MAPS[m]);
    end();
  }
}

/** The map elements that lead to the network's chains: added (with their chain) or deleted. */
function elements(verb: string, family: i32): void {
  for (let c = 0; c < SUFFIXES.length; c++) {
    if (!chainUsed(family, c)) continue;
    if (c != Chain.NAT) element(verb, family, c, "\"" + rulesBridge() + "\"");
    else {
      for (let i = 0; i < natSources.length; i++) {
        if (natSources[i].address.family == family) element(verb, family, c, natSources[i].text);
      }
    }
  }
}

function element(verb: string, family: i32, chain: i32, key: string): void {
  head(verb, "element", family);
  word(MAPS[chain]);
  word("{");
  word(key);
  if (verb == "add") {
    word(":");
    word("jump");
    word(networkChain(chain));
  }
  word("}");
  end();
}

/**
 * The start script. Chains come before maps (nft 1.0.6 cannot add an element to an interval map
 * made earlier in the same batch than the chain it jumps to), the network's chains are emptied
 * before its rules go in (a second run gives the same rules), its map elements come last.
 */
function writeApply(): void {
  for (let family = 4; family <= 6; family += 2) {
    if (!familyUsed(family)) continue;
    addTable(family);
    for (let i = 0; i < SHARED.length; i++) addSharedChain(family, i);
    networkChains("add", family);
    addMaps(family);
    sharedRules(family);
    networkChains("flush", family);
  }
  for (let i = 0; i < rules.length; i++) writeRule(rules[i]);
  for (let family = 4; family <= 6; family += 2) {
    if (familyUsed(family)) elements("add", family);
  }
}

/**
 * The destroy script: it first adds what it deletes (an add of what exists changes nothing), so
 * it also succeeds when the start never ran or the host lost its tables; then it deletes the
 * network's map elements and chains, and nothing shared.
 */
function writeRemove(): void {
  for (let family = 4; family <= 6; family += 2) {
    if (!familyUsed(family)) continue;
    addTable(family);
    networkChains("add", family);
    addMaps(family);
    elements("add", family);
    elements("delete", family);
    networkChains("flush", family);
    networkChains("delete", family);
  }
}
