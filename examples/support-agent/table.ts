/** A box-drawn table: the first column left-aligned, the others right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `│ ${widths.map((w, i) => (i === 0 ? (cells[i] ?? '').padEnd(w) : (cells[i] ?? '').padStart(w))).join(' │ ')} │`;
  const rule = (l: string, m: string, r: string) => `${l}${widths.map(w => '─'.repeat(w + 2)).join(m)}${r}`;
  return [
    rule('┌', '┬', '┐'),
    line(header),
    rule('├', '┼', '┤'),
    ...rows.map(line),
    rule('└', '┴', '┘'),
  ].join('\n');
}
