// virtkit's public library.
export { VirtError, ErrorNumber, ErrorDomain } from "./errors.js";
export { canonicalizeDomainXML, parseDomainXML, DomainXMLFlags } from "./domain-xml.js";
export type { CanonicalizeOptions, DomainDef } from "./domain-xml.js";
