// Node's system errors as libc's strerror() words them, for libvirt-style messages
// ("Failed to open file 'x': No such file or directory").

import { constants } from "node:os";

const STRERROR: Record<string, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EIO: "Input/output error",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  EMFILE: "Too many open files",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  EROFS: "Read-only file system",
  ENAMETOOLONG: "File name too long",
  ELOOP: "Too many levels of symbolic links",
  ENOTEMPTY: "Directory not empty",
  ENOTSUP: "Operation not supported",
  ERANGE: "Numerical result out of range",
  EDOM: "Numerical argument out of domain",
  ESRCH: "No such process",
  ECHILD: "No child processes",
  ENOEXEC: "Exec format error",
  E2BIG: "Argument list too long",
  ENXIO: "No such device or address",
  ENODEV: "No such device",
  EXDEV: "Invalid cross-device link",
  ETXTBSY: "Text file busy",
  ECONNREFUSED: "Connection refused",
  EWOULDBLOCK: "Resource temporarily unavailable",
};

/** The strerror() text of a Node system error, or its message. */
export function strerror(e: unknown): string {
  if (e instanceof Error && "code" in e && typeof e.code === "string" && e.code in STRERROR) return STRERROR[e.code];
  if (e instanceof Error && "errno" in e && typeof e.errno === "number") return strerrorOf(Math.abs(e.errno));
  return e instanceof Error ? e.message : String(e);
}

/** strerror() of an errno number (the supervisor reports numbers). */
export function strerrorOf(errno: number): string {
  const { errno: codes } = constants;
  const name = Object.keys(codes).find((k) => codes[k as keyof typeof codes] === errno);
  return name !== undefined && name in STRERROR ? STRERROR[name] : `errno ${errno}`;
}
