// What a new domain may be called, beyond what the XML rules check ('/' is refused there): the
// registry's checks when a definition arrives by define or create.
import { beginError, Code, From } from "../errors";
import { Definition } from "./definition";

/**
 * The longest name (in UTF-8 bytes) a hosted driver (lxc:///, kvm:///) takes: its files are
 * named after the domain, and the longest of them, the control socket
 * "/run/virtkit/<driver>/NAME.INSTANCE.sock" (INSTANCE: 12 hex digits), must fit a Unix socket
 * address (sun_path: 108 bytes with its NUL). libvirt sets no limit of its own.
 */
export const MAX_HOSTED_NAME_BYTES: i32 = 107 - "/run/virtkit/lxc/".length - ".0123456789ab.sock".length;

/**
 * Checks def's name for a new definition: one of only white space is no name (libvirt's
 * "missing name information"); `defining` refuses a newline (virDomainDefineXML's check, not
 * createXML's: libvirt's drivers check only there); maxBytes > 0 limits its length.
 */
export function checkNewName(def: Definition, defining: bool, maxBytes: i32): bool {
  const name = def.nameUtf8;
  const len = name.byteLength;
  const p = changetype<usize>(name);
  let blank = true;
  for (let i = 0; i < len; i++) {
    const c = load<u8>(p + <usize>i);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) blank = false;
  }
  if (blank) {
    beginError(Code.NO_NAME, From.DOMAIN).str("missing name information");
    return false;
  }
  if (defining) {
    for (let i = 0; i < len; i++) {
      if (load<u8>(p + <usize>i) != 0x0a) continue;
      beginError(Code.XML_DETAIL, From.XML).str("invalid char in name: \n");
      return false;
    }
  }
  if (maxBytes > 0 && len > maxBytes) {
    const b = beginError(Code.CONFIG_UNSUPPORTED, From.DOMAIN);
    b.str("domain name is ");
    b.u64(<u64>len);
    b.str(" bytes long, more than the ");
    b.u64(<u64>maxBytes);
    b.str(" this driver's file names allow");
    return false;
  }
  return true;
}
