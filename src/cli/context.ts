// What a command handler works with: its parsed options, read the way virsh reads them (with
// virsh's messages for empty or malformed values), the session's output, and domain lookup.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Connection } from "../connection.js";
import type { Domain } from "../domain.js";
import type { Network } from "../network.js";
import { VirtError } from "../errors.js";
import { decodeDocument } from "../host/utf8.js";
import type { OptionValues } from "./command.js";
import { Reported, type Session } from "./session.js";
import { parseScaledInteger, strerror } from "./format.js";

/** How a domain argument may be matched (virsh's VIRSH_BYID / BYUUID / BYNAME). */
export const BY_ID = 1;
export const BY_UUID = 2;
export const BY_NAME = 4;
export const BY_ANY = BY_ID | BY_UUID | BY_NAME;

export class CommandContext {
  constructor(
    readonly session: Session,
    readonly name: string,
    private readonly values: OptionValues,
  ) {}

  print(text: string): void {
    this.session.print(text);
  }

  printExtra(text: string): void {
    this.session.printExtra(text);
  }

  error(text: string): void {
    this.session.error(text);
  }

  fail(text: string): never {
    this.session.fail(text);
  }

  connection(): Promise<Connection> {
    return this.session.connection();
  }

  // ---- options ------------------------------------------------------------------------------------

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** A string option's value; undefined when absent. Empty values are refused unless allowed. */
  string(name: string, emptyOk = false): string | undefined {
    const value = this.values.get(name);
    if (value === undefined || value === true) return undefined;
    const text = Array.isArray(value) ? value[0] : value;
    if (text === "" && !emptyOk) this.fail(`Failed to get option '${name}': Option argument is empty`);
    return text;
  }

  /** Every value of an argv option. */
  list(name: string): string[] {
    const value = this.values.get(name);
    return Array.isArray(value) ? value : [];
  }

  /**
   * An integer option (virsh's vshCommandOptInt and friends): decimal digits with an optional
   * sign, within [min, max]; undefined when absent.
   */
  int(name: string, min = -2147483648, max = 2147483647): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = /^\s*[+-]?\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.fail(`Numeric value '${text}' for <${name}> option is malformed or out of range`);
    }
    return value;
  }

  /** An unsigned integer option: no sign allowed. */
  uint(name: string, max = 4294967295): number | undefined {
    const text = this.string(name);
    if (text !== undefined && /^\s*-/.test(text)) this.fail(`Numeric value '${text}' for <${name}> option is malformed or out of range`);
    return this.int(name, 0, max);
  }

  /** A size with an optional unit suffix (default: `scale` bytes per unit), in bytes. */
  scaled(name: string, scale: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const bytes = parseScaledInteger(text, scale, max);
    if (bytes === undefined) this.fail(`Scaled numeric value '${text}' for <${name}> option is malformed or out of range`);
    return bytes;
  }

  /** Refuses two options given together, as virsh's VSH_EXCLUSIVE_OPTIONS. */
  exclusive(a: string, b: string): void {
    if (this.has(a) && this.has(b)) this.fail(`Options --${a} and --${b} are mutually exclusive`);
  }

  /** virsh's --current/--live/--config trio as VIR_DOMAIN_AFFECT_* flags. */
  affectFlags(): number {
    this.exclusive("current", "live");
    this.exclusive("current", "config");
    return (this.has("live") ? 1 : 0) | (this.has("config") ? 2 : 0);
  }

  /** A file name from the command line, relative to the working directory. */
  path(name: string): string {
    return resolve(this.session.io.cwd, name);
  }

  /**
   * Reads a file named by an option, relative to the working directory, as libvirt's
   * virFileReadAll: bytes that are not UTF-8 are kept for the XML parser to refuse (utf8.ts).
   */
  async readFile(path: string): Promise<string> {
    try {
      return decodeDocument(readFileSync(this.path(path)));
    } catch (e) {
      this.fail(`Failed to open file '${path}': ${strerror(e)}`);
    }
  }

  // ---- domains ------------------------------------------------------------------------------------

  /**
   * The domain named by the --domain option: by id when it is a non-negative number, then by
   * UUID, then by name (as allowed by `by`); "failed to get domain 'x'" when none matches.
   */
  async domain(by = BY_ANY, option = "domain"): Promise<Domain> {
    const text = this.string(option)!;
    const conn = await this.connection();
    const attempt = async (find: () => Promise<Domain>): Promise<Domain | undefined> => {
      try {
        return await find();
      } catch (e) {
        if (e instanceof VirtError) return undefined;
        throw e;
      }
    };
    let dom: Domain | undefined;
    if (by & BY_ID && /^[+-]?\d+$/.test(text) && Number(text) >= 0 && Number(text) <= 2147483647) {
      dom = await attempt(() => conn.lookupByID(Number(text)));
    }
    if (!dom && by & BY_UUID && text.length === 36) dom = await attempt(() => conn.lookupByUUIDString(text));
    if (!dom && by & BY_NAME) dom = await attempt(() => conn.lookupByName(text));
    if (!dom) this.fail(`failed to get domain '${text}'`);
    return dom;
  }

  /**
   * The network named by the option: by UUID when it is one (36 characters) and `byUuid`, then
   * by name when `byName`. When none matches, virsh prints "failed to get network 'x'" and then
   * the library's own error (it keeps it, unlike for domains).
   */
  async network(option = "network", byUuid = true, byName = true): Promise<Network> {
    const text = this.string(option)!;
    const conn = await this.connection();
    let last: unknown;
    const find = async (lookup: () => Promise<Network>): Promise<Network | undefined> => {
      try {
        return await lookup();
      } catch (e) {
        if (!(e instanceof VirtError)) throw e;
        last = e;
        return undefined;
      }
    };
    let net: Network | undefined;
    if (byUuid && text.length === 36) net = await find(() => conn.networkLookupByUUIDString(text));
    if (!net && byName) net = await find(() => conn.networkLookupByName(text));
    if (net) return net;
    if (last === undefined) this.fail(`failed to get network '${text}'`);
    this.error(`failed to get network '${text}'`);
    throw last;
  }

  /**
   * Runs a library call; when it fails, prints virsh's summary line first (the runner then
   * prints the library's error).
   */
  async attempt<T>(summary: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof Reported)) this.error(summary);
      throw e;
    }
  }
}
