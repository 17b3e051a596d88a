// Secrets a definition may hold: graphics passwords and HTTP cookies of network disks. libvirt
// writes them only with VIR_DOMAIN_XML_SECURE; stored definitions keep them, and are written
// without them on request.
import { Doc, NONE } from "../xml/dom";
import { S } from "../xml/names.gen";

/** Removes the secrets from a canonical document; true if there were any. */
export function stripSecrets(d: Doc): bool {
  const devices = d.child(d.root, S.devices);
  if (devices == NONE) return false;
  let found = false;
  for (let g = d.child(devices, S.graphics); g != NONE; g = d.nextNamed(g)) {
    if (d.attr(g, S.passwd) != NONE) {
      d.removeAttr(g, S.passwd);
      found = true;
    }
  }
  for (let disk = d.child(devices, S.disk); disk != NONE; disk = d.nextNamed(disk)) {
    const src = d.child(disk, S.source);
    const cookies = src == NONE ? NONE : d.child(src, S.cookies);
    if (cookies != NONE) {
      d.remove(cookies);
      found = true;
    }
  }
  return found;
}
