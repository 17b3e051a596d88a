// Domain XML without a connection: canonical formatting and a typed view for JS users.
import { defaultCore } from "./host/core.js";
import { DomainXMLFlags } from "./constants.js";


export interface CanonicalizeOptions {
  /** Format the persistent (inactive) form: no id, no live-only state. */
  inactive?: boolean;
  /** Include secrets such as graphics passwords (libvirt's VIR_DOMAIN_XML_SECURE). */
  secure?: boolean;
}

import type { DomainDef } from "./domain-def.js";

/** Returns the document as libvirt would format it, or throws a VirtError. */
export function canonicalizeDomainXML(xml: string, options: CanonicalizeOptions = {}): string {
  let flags = 0;
  if (options.secure) flags |= DomainXMLFlags.VIR_DOMAIN_XML_SECURE;
  if (options.inactive) flags |= DomainXMLFlags.VIR_DOMAIN_XML_INACTIVE;
  return defaultCore().canonicalize(xml, flags);
}

/** Parses and validates a domain definition into a plain object, or throws a VirtError. */
export function parseDomainXML(xml: string): DomainDef {
  return JSON.parse(defaultCore().parseToJSON(xml, 0)) as DomainDef;
}
