// The events word the host reads after each exit (vmmEvents): what the devices did since its last
// read, and the levels of the interrupt lines they drive: VmmEvent bits (the ABI table's).

let raised: i32 = 0;
let levels: i32 = 0;

export function raise(event: i32): void {
  raised |= event;
}

/** A line (its *_LEVEL bit) follows its device; a change of level is `event`. */
export function setLine(level: i32, event: i32, high: bool): void {
  if (((levels & level) != 0) == high) return;
  levels ^= level;
  raised |= event;
}

/** What changed since the last call, with the lines that are high; clears the changes. */
export function takeEvents(): i32 {
  const e = raised | levels;
  raised = 0;
  return e;
}

/** Every line low and nothing to report (a machine switched on). */
export function clearEvents(): void {
  raised = 0;
  levels = 0;
}
