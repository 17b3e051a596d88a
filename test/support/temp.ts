// Temporary folders for tests, removed when the test file's process exits (passed or failed), so a
// run leaves nothing behind in the system's temporary folder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];
process.on("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new folder named PREFIX-XXXXXX under `parent` (the system's temporary folder by default). */
export function tempDir(prefix: string, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, `${prefix}-`));
  made.push(dir);
  return dir;
}
