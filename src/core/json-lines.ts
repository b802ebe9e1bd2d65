/**
 * Reads JSON-lines text (https://jsonlines.org: one JSON value per line, `\n`-separated; blank lines are skipped),
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
  text.split('\n').forEach((line, index) => {
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
