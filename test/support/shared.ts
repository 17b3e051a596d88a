// Where the project's shared reference data lives (libvirt's corpus, virsh golden outputs): the
// directory named by VIRTKIT_SHARED_DIR, else a `shared/` beside the checkout or any folder above
// it, else /work/shared. Tests that need it fail with this explanation when it cannot be found.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findSharedDir(): string | undefined {
  const marker = join("corpus", "libvirt", "MANIFEST.tsv");
  const fromEnv = process.env.VIRTKIT_SHARED_DIR;
  if (fromEnv && existsSync(join(fromEnv, marker))) return fromEnv;
  let dir = fileURLToPath(new URL("../..", import.meta.url));
  for (;;) {
    const candidate = join(dir, "..", "shared");
    if (existsSync(join(candidate, marker))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return existsSync(join("/work/shared", marker)) ? "/work/shared" : undefined;
}

const found = findSharedDir();

/** Absolute path of a file under the shared reference directory. */
export function sharedPath(...parts: string[]): string {
  if (!found) {
    throw new Error("shared reference data not found: set VIRTKIT_SHARED_DIR to the folder holding corpus/ and virsh-golden/");
  }
  return join(found, ...parts);
}
