// virsh's tables: a header, a rule of dashes, then the rows; columns are left-aligned and
// three spaces apart, each line starts with a space, and the last column is never padded.
// Under --quiet the header and rule are left out, and so is their width.

/** Display width: one column per character (wide characters are rare in names). */
const width = (s: string): number => [...s].length;

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], withHeader = true): string {
  const widths = header.map((h, i) => Math.max(withHeader ? width(h) : 0, ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]) =>
    " " + cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - width(c)))).join("   ") + "\n";
  const body = rows.map(line).join("");
  if (!withHeader) return body;
  const total = 1 + widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1);
  return line(header) + "-".repeat(total + 2) + "\n" + body;
}
