// libvirt's error triple {code, domain, message}. Codes and domains keep libvirt's numbers
// (include/libvirt/virterror.h) so they can cross the wire unchanged later.

// virErrorNumber and virErrorDomain, with libvirt's values, generated from core.wasm's ABI table
// (core-wasm/abi/table.mjs); each is a type too.
export {
  ErrorNumber,
  ErrorDomain,
} from "./libvirt-enums.gen.js";

/** Marks every VirtError, whichever copy of this module made it. */
const VIRT_ERROR = Symbol.for("virtkit.VirtError");

export class VirtError extends Error {
  /**
   * `instanceof VirtError` holds for a VirtError made by any copy of virtkit in the process (the
   * command line loads its lxc/kvm drivers as a bundle of their own; an application may hold two
   * versions of the package), not only this class's own instances.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[VIRT_ERROR] === true;
  }

  /** A virErrorNumber value. */
  readonly code: number;
  /** A virErrorDomain value. */
  readonly domain: number;

  /**
   * A diagnostic libvirt's XML library would have printed on stderr before this error (such as
   * libxml2's "I/O warning : failed to load external entity …"); virtkit never prints from the
   * library, so it travels with the error for a command line to show.
   */
  readonly warning?: string;

  constructor(code: number, domain: number, message: string, warning?: string) {
    super(message);
    this.name = "VirtError";
    Object.defineProperty(this, VIRT_ERROR, { value: true });
    this.code = code;
    this.domain = domain;
    if (warning !== undefined) this.warning = warning;
  }
}
