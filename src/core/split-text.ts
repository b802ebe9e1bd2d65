/**
 * Splits text into pieces of about `size` UTF-16 units without cutting a surrogate pair in half: how a replayed
 * answer's texts are cut into deltas, so clients that render deltas behave as they do on a live stream.
 */
export function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end++;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}
