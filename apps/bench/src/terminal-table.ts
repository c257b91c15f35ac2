/**
 * Markdown as the bench prints it to a terminal: tables aligned in columns, or, when a table
 * is wider than the terminal, one block per row; headings and prose wrapped to the width. The
 * report files keep the Markdown.
 */

/** Display width of `text` (the bench's tables hold no wide or combining characters). */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, columns: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, columns - width(text)));
  return right ? fill + text : text + fill;
}

/** Cells of a Markdown table row `| a | b |`. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

const NUMERIC = /^[+\-−]?(\d|\.\d)[\d.,e+\-−±* /]*$/i;

/** Words of `text` packed into lines of at most `columns` (a longer word gets its own line). */
export function wrapWords(text: string, columns: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    const next = line === '' ? indent + word : `${line} ${word}`;
    if (width(next) > columns && line !== '') {
      lines.push(line);
      line = indent + word;
    } else {
      line = next;
    }
  }
  if (line !== '') lines.push(line);
  return lines.length > 0 ? lines : [''];
}

/** A table as aligned columns, or `null` when it is wider than `columns`. */
function alignedTable(header: string[], rows: string[][], columns: number): string[] | null {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const total = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  if (total > columns) return null;
  // Numbers right-aligned (a column whose every cell is numeric or '-').
  const right = widths.map((_, i) =>
    rows.every((r) => (r[i] ?? '') === '-' || NUMERIC.test(r[i] ?? '')),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => pad(cell, widths[i] ?? 0, right[i] ?? false))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** A table too wide for the terminal: each row's first cell, then `header value` pairs. */
function rowBlocks(header: string[], rows: string[][], columns: number): string[] {
  const out: string[] = [];
  for (const row of rows) {
    out.push(...wrapWords(row[0] ?? '', columns));
    const pairs = header.slice(1).map((h, i) => `${h} ${row[i + 1] ?? ''}`);
    let line = '';
    for (const pair of pairs) {
      const next = line === '' ? `  ${pair}` : `${line} · ${pair}`;
      if (width(next) > columns && line !== '') {
        out.push(line);
        line = `  ${pair}`;
      } else {
        line = next;
      }
    }
    if (line !== '') out.push(line);
  }
  return out;
}

/**
 * `lines` of Markdown (as `renderTables` returns them) for a terminal `columns` wide: every
 * table aligned in columns when it fits, otherwise one block per row (the first cell, then
 * `header value` pairs); headings without their `#`s; prose wrapped at spaces. No line is
 * longer than `columns` unless a single word is.
 *
 * @since 0.1.0
 */
export function markdownForTerminal(lines: readonly string[], columns: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trimStart().startsWith('|')) {
      const block: string[] = [];
      while (i < lines.length && (lines[i] as string).trimStart().startsWith('|')) {
        block.push(lines[i] as string);
        i++;
      }
      i--;
      const [head, , ...body] = block.map(cells);
      const header = head ?? [];
      out.push(...(alignedTable(header, body, columns) ?? rowBlocks(header, body, columns)));
    } else if (line.trim() === '') {
      out.push('');
    } else {
      out.push(...wrapWords(line.replace(/^#+\s*/, ''), columns));
    }
  }
  return out;
}
