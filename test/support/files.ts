// Waiting for a file that another process makes (a daemon's socket or pid file): on the folder's
// change events, never on time.
import { existsSync, watch } from "node:fs";
import { join } from "node:path";

/** Resolves once every one of `names` exists in `dir`. */
export function filesAppear(dir: string, ...names: string[]): Promise<void> {
  const all = () => names.every((name) => existsSync(join(dir, name)));
  return new Promise((resolve) => {
    const watcher = watch(dir, () => {
      if (!all()) return;
      watcher.close();
      resolve();
    });
    // made before the watch began
    if (all()) {
      watcher.close();
      resolve();
    }
  });
}
