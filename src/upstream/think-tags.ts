/**
 * Splits `<think>…</think>` (raw Qwen3 / R1-distill output) out of content, incrementally, so that a tag split
 * across stream chunks is still recognised. The non-stream path uses the same splitter (push all, then flush),
 * so a streamed answer and a non-streamed one normalise identically.
 */

const OPEN = '<think>';
const CLOSE = '</think>';
const LEADING_SPACE = /^\s+/;

export interface SplitText {
  reasoning: string;
  content: string;
}

type State = 'start' | 'thinking' | 'answer';

/** Length of the longest suffix of `text` that is a proper prefix of `tag` (a tag possibly cut by the chunk end). */
function partialTagSuffix(text: string, tag: string): number {
  const max = Math.min(tag.length - 1, text.length);
  for (let n = max; n > 0; n--) {
    if (tag.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}

export class ThinkTagSplitter {
  private state: State = 'start';
  private pending = '';
  /** After a tag, the newlines the model puts around it are layout, not text. */
  private trimLeading = false;

  /** True once the splitter passes content through unchanged (no tag seen at the start). */
  get passthrough(): boolean {
    return this.state === 'answer' && !this.trimLeading && this.pending === '';
  }

  /** Splits a whole text given in pieces: what a stream of these pieces assembles to. */
  static splitAll(pieces: Iterable<string>): SplitText {
    const splitter = new ThinkTagSplitter();
    const out: SplitText = { reasoning: '', content: '' };
    for (const piece of pieces) {
      const part = splitter.push(piece);
      out.reasoning += part.reasoning;
      out.content += part.content;
    }
    const tail = splitter.flush();
    return { reasoning: out.reasoning + tail.reasoning, content: out.content + tail.content };
  }

  push(text: string): SplitText {
    const out: SplitText = { reasoning: '', content: '' };
    this.pending += text;
    this.drain(out);
    return out;
  }

  flush(): SplitText {
    const out: SplitText = { reasoning: '', content: '' };
    if (this.state === 'thinking') out.reasoning = this.pending;
    else out.content = this.pending;
    this.pending = '';
    return out;
  }

  private drain(out: SplitText): void {
    for (;;) {
      if (this.trimLeading) {
        const trimmed = this.pending.replace(LEADING_SPACE, '');
        if (trimmed.length === 0) {
          this.pending = '';
          return;
        }
        this.pending = trimmed;
        this.trimLeading = false;
      }
      if (this.state === 'start') {
        const lead = this.pending.trimStart();
        if (lead.length === 0 || (lead.length < OPEN.length && OPEN.startsWith(lead))) return;
        if (lead.startsWith(OPEN)) {
          this.pending = lead.slice(OPEN.length);
          this.state = 'thinking';
          this.trimLeading = true;
          continue;
        }
        this.state = 'answer';
        continue;
      }
      if (this.state === 'thinking') {
        const end = this.pending.indexOf(CLOSE);
        if (end === -1) {
          const keep = partialTagSuffix(this.pending, CLOSE);
          out.reasoning += this.pending.slice(0, this.pending.length - keep);
          this.pending = this.pending.slice(this.pending.length - keep);
          return;
        }
        out.reasoning += this.pending.slice(0, end);
        this.pending = this.pending.slice(end + CLOSE.length);
        this.state = 'answer';
        this.trimLeading = true;
        continue;
      }
      out.content += this.pending;
      this.pending = '';
      return;
    }
  }
}

/** Removes complete `<think>…</think>` blocks from earlier assistant turns (history hygiene). */
const THINK_BLOCK = /<think>[\s\S]*?<\/think>\s*/g;
export const removeThinkBlocks = (text: string): string => (text.includes(CLOSE) ? text.replace(THINK_BLOCK, '') : text);
