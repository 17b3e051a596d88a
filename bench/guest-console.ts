// The benches' guests report on their serial console, a file the VMM or QEMU writes: waiting for
// the line a guest prints when it is done.
import { existsSync, readFileSync } from "node:fs";

/** The file's text once it holds `marker` (read every 200 ms); undefined after `ms`, or once `gaveUp` settles (the guest's process ended). */
export async function consoleWith(file: string, marker: string, gaveUp: Promise<unknown> = new Promise(() => {}), ms = 600_000): Promise<string | undefined> {
  let over = false;
  void gaveUp.then(() => (over = true));
  for (const until = Date.now() + ms; Date.now() < until && !over; ) {
    const text = existsSync(file) ? readFileSync(file, "latin1") : "";
    if (text.includes(marker)) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}
