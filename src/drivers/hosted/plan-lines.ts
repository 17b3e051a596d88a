// Escaped lines, as a plan file holds them (docs/control-protocol.md, "Plan files"): fields
// separated by tabs, with tab, newline and backslash inside a field written \t, \n and \\. The
// one TypeScript reader and writer of them: the hosted drivers' plan readers, the VMM's, and the
// spare VMM's claim. (core.wasm writes plans with its own PlanWriter, the container supervisor
// reads them with its own unescape; test/fixtures/plan-lines.json holds what all of them agree on.)

const ESCAPED = /[\t\n\\]/g;
const ESCAPES: Record<string, string> = { "\t": "\\t", "\n": "\\n", "\\": "\\\\" };

/** One line's text (without its newline) for these fields. */
export function encodeLine(fields: readonly string[]): string {
  return fields.map((field) => field.replace(ESCAPED, (c) => ESCAPES[c])).join("\t");
}

/**
 * One line's fields, escapes undone. A backslash before any other character stands for that
 * character, and one that ends a field stays: as the supervisor reads them.
 */
export function decodeLine(line: string): string[] {
  return line.split("\t").map((field) => field.replace(/\\(.)/gs, (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c)));
}

/** The fields of each line of a plan; empty lines are skipped. */
export function decodeLines(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map(decodeLine);
}

/** The first value of the plan's first line with this key (its second field), if there is one. */
export function planValue(text: string, key: string): string | undefined {
  return decodeLines(text).find((fields) => fields[0] === key)?.[1];
}
