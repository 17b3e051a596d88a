// The suite's fixture data (test/fixtures/): libvirt's XML test corpus and virsh's recorded outputs.
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** Absolute path of a file under test/fixtures/. */
export function fixturePath(...parts: string[]): string {
  return join(FIXTURES_DIR, ...parts);
}
