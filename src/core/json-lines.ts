/** U+FEFF, the byte-order mark: some editors start a UTF-8 file with it. */
export const BOM = 0xfeff;

/**
 * Reads JSON-lines text (https://jsonlines.org: one JSON value per line, `\n`-separated; blank lines are skipped, a leading byte-order mark dropped),
 * calling `each` with every line's parsed value and its 1-based line number. Pure: callers pass the file's text.
 *
 * A line that is not JSON throws `fail("<name>:<line>: not valid JSON")` (a plain `Error` unless the caller wants
 * its own error class, as the CLI does to report bad input); whatever `each` throws passes through unchanged.
 */
export function forEachJsonLine(
  text: string,
  name: string,
  each: (json: unknown, lineNo: number) => void,
  fail: (message: string) => Error = (message) => new Error(message),
): void {
  // A UTF-8 byte-order mark (Windows editors write one) is not part of the first line's JSON.
  const body = text.charCodeAt(0) === BOM ? text.slice(1) : text;
  body.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw fail(`${name}:${index + 1}: not valid JSON`);
    }
    each(json, index + 1);
  });
}
