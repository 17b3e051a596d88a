// libvirt's error triple {code, domain, message}. Codes and domains keep libvirt's numbers
// (include/libvirt/virterror.h) so they can cross the wire unchanged later.

/** The union of an enum object's values: ErrorNumber and ErrorDomain are types too. */
type ValueOf<T> = T[keyof T];

/** virErrorNumber: the subset virtkit raises, with libvirt's values. */
export const ErrorNumber = {
  VIR_ERR_OK: 0,
  VIR_ERR_INTERNAL_ERROR: 1,
  VIR_ERR_NO_MEMORY: 2,
  VIR_ERR_NO_SUPPORT: 3,
  VIR_ERR_NO_CONNECT: 5,
  VIR_ERR_INVALID_CONN: 6,
  VIR_ERR_INVALID_DOMAIN: 7,
  VIR_ERR_INVALID_ARG: 8,
  VIR_ERR_OPERATION_FAILED: 9,
  VIR_ERR_XML_ERROR: 27,
  VIR_ERR_DOM_EXIST: 28,
  VIR_ERR_OPERATION_DENIED: 29,
  VIR_ERR_XML_DETAIL: 35,
  VIR_ERR_SYSTEM_ERROR: 38,
  VIR_ERR_NO_DOMAIN: 42,
  VIR_ERR_OPERATION_INVALID: 55,
  VIR_ERR_CONFIG_UNSUPPORTED: 67,
  VIR_ERR_OPERATION_TIMEOUT: 68,
  VIR_ERR_ARGUMENT_UNSUPPORTED: 74,
  VIR_ERR_NO_DOMAIN_METADATA: 80,
  VIR_ERR_OVERFLOW: 82,
  VIR_ERR_OPERATION_UNSUPPORTED: 84,
  VIR_ERR_XML_INVALID_SCHEMA: 92,
} as const;
export type ErrorNumber = ValueOf<typeof ErrorNumber>;

/** virErrorDomain: where an error came from, with libvirt's values. */
export const ErrorDomain = {
  VIR_FROM_NONE: 0,
  VIR_FROM_XML: 5,
  VIR_FROM_RPC: 7,
  VIR_FROM_CONF: 9,
  VIR_FROM_QEMU: 10,
  VIR_FROM_TEST: 12,
  VIR_FROM_LXC: 17,
  VIR_FROM_DOMAIN: 20,
  VIR_FROM_CGROUP: 54,
} as const;
export type ErrorDomain = ValueOf<typeof ErrorDomain>;

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
