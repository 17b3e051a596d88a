// Checks documents against libvirt's RelaxNG schemas (src/conf/schemas/domain.rng and what it
// includes) with libxml2's own RelaxNG engine compiled to WebAssembly (libxml2-wasm, a dev
// dependency). libxml2 cannot see the disk from inside WebAssembly, so the schema files are
// served to it from memory, and only those files.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { RelaxNGValidator, XmlDocument, XmlLibError, xmlRegisterInputProvider, type XmlInputProvider } from "libxml2-wasm";

const schemaFiles = new Map<string, Uint8Array>();
const open = new Map<number, { data: Uint8Array; pos: number }>();
let nextHandle = 1;

const provider: XmlInputProvider = {
  match: (name) => schemaFiles.has(name),
  open(name) {
    const data = schemaFiles.get(name);
    if (!data) return undefined;
    open.set(nextHandle, { data, pos: 0 });
    return nextHandle++;
  },
  read(handle, buf) {
    const f = open.get(handle);
    if (!f) return -1;
    const n = Math.min(buf.byteLength, f.data.byteLength - f.pos);
    buf.set(f.data.subarray(f.pos, f.pos + n));
    f.pos += n;
    return n;
  },
  close: (handle) => open.delete(handle),
};

let validator: RelaxNGValidator | undefined;

/** Compiles domain.rng from schemaDir once per process. */
function domainValidator(schemaDir: string): RelaxNGValidator {
  if (validator) return validator;
  const dir = resolve(schemaDir);
  for (const name of readdirSync(dir)) if (name.endsWith(".rng")) schemaFiles.set(join(dir, name), readFileSync(join(dir, name)));
  // libxml2 keeps a small fixed table of input providers: register exactly once.
  if (!xmlRegisterInputProvider(provider)) throw new Error("libxml2-wasm: no room for the schema input provider");
  const top = join(dir, "domain.rng");
  // Parsed under its absolute path, so each <include href> resolves next to it.
  validator = RelaxNGValidator.fromDoc(XmlDocument.fromBuffer(schemaFiles.get(top)!, { url: top }));
  return validator;
}

function messages(err: unknown): string[] {
  if (err instanceof XmlLibError && err.details?.length) return err.details.map((d) => `line ${d.line}: ${d.message.trim()}`);
  return [err instanceof Error ? err.message : String(err)];
}

/** Validates one domain document; returns the schema's complaints (none when valid). */
export function schemaErrors(xml: string, schemaDir: string): string[] {
  const v = domainValidator(schemaDir);
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(xml);
  } catch (err) {
    return messages(err).map((m) => `not well-formed: ${m}`);
  }
  try {
    v.validate(doc);
    return [];
  } catch (err) {
    return messages(err);
  } finally {
    doc.dispose();
  }
}
