// virtkit's public library.
export { VirtError, ErrorNumber, ErrorDomain } from "./errors.js";
export { canonicalizeDomainXML, parseDomainXML, DomainXMLFlags } from "./domain-xml.js";
export type { CanonicalizeOptions } from "./domain-xml.js";
export type { DomainDef, DomainDevices, DomainOs, DomainVcpu, DiskDef, InterfaceDef, AddressDef, XmlElement, XmlNode } from "./domain-def.js";
