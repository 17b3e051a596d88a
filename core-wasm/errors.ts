// The core's last error, in libvirt's terms: a virErrorNumber, a virErrorDomain and the message
// exactly as libvirt words it. Exports return a failure status and the host reads these back.
import { ByteBuf } from "./util/bytes";

// virErrorNumber and virErrorDomain (include/libvirt/virterror.h), from the ABI table.
import { Code, From } from "./abi/enums.gen";
export { Code, From };

export let errorCode: i32 = Code.OK;
export let errorDomain: i32 = From.NONE;
export const errorMessage = new ByteBuf(1024);

export function clearError(): void {
  errorCode = Code.OK;
  errorDomain = From.NONE;
  errorMessage.clear();
}

/** Starts a new error; the caller appends the message text to the returned buffer. */
export function beginError(code: i32, domain: i32): ByteBuf {
  errorCode = code;
  errorDomain = domain;
  errorMessage.clear();
  switch (code) {
    case Code.INTERNAL_ERROR:
      errorMessage.str("internal error: ");
      break;
    case Code.INVALID_ARG:
      errorMessage.str("invalid argument: ");
      break;
    case Code.OPERATION_FAILED:
      errorMessage.str("operation failed: ");
      break;
    case Code.XML_ERROR:
      errorMessage.str("XML error: ");
      break;
    case Code.OPERATION_INVALID:
      errorMessage.str("Requested operation is not valid: ");
      break;
    case Code.CONFIG_UNSUPPORTED:
      errorMessage.str("unsupported configuration: ");
      break;
    case Code.ARGUMENT_UNSUPPORTED:
      errorMessage.str("argument unsupported: ");
      break;
    case Code.OVERFLOW:
      errorMessage.str("numerical overflow: ");
      break;
    case Code.NO_SOURCE:
      errorMessage.str("missing source information for device");
      break;
    case Code.NO_TARGET:
      errorMessage.str("missing target information for device");
      break;
    case Code.NO_DOMAIN:
      errorMessage.str("Domain not found: ");
      break;
    case Code.NO_NETWORK:
      errorMessage.str("Network not found: ");
      break;
    case Code.NO_SUPPORT:
      errorMessage.str("this function is not supported by the connection driver: ");
      break;
  }
  return errorMessage;
}

/** Records an error with a fixed message and returns false, so callers can `return fail(...)`. */
export function fail(code: i32, domain: i32, message: string): bool {
  beginError(code, domain).str(message);
  return false;
}

/** An error whose message is the code's bare text (libvirt's message when no detail is given). */
export function failBare(code: i32, domain: i32, text: string): bool {
  errorCode = code;
  errorDomain = domain;
  errorMessage.clear();
  errorMessage.str(text);
  return false;
}
