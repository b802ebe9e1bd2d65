/**
 * Splits reasoning written inline as tags (`<think>…</think>` of raw Qwen3 / DeepSeek-R1 distills, other pairs for
 * other model families) out of content, incrementally, so that a tag split across stream chunks is still recognised.
 * The non-stream path uses the same splitter (push all, then flush), so a streamed answer and a non-streamed one
 * normalise identically.
 */

/** One reasoning tag pair (`reasoning.thinkTags` / `upstreams.<tier>.thinkTags`). */
export interface ThinkTagPair {
  open: string;
  close: string;
  /**
   * The answer starts inside the thinking block: the chat template put the opening tag in the prompt (DeepSeek-R1
   * distills with their official template), so the output holds only the closing tag. A live stream cannot know
   * that until the closing tag arrives, hence a setting: everything before the closing tag streams as reasoning.
   */
  implicitOpen?: boolean | undefined;
}

export const DEFAULT_THINK_TAGS: readonly ThinkTagPair[] = [{ open: '<think>', close: '</think>' }];

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

/**
 * The pair whose closing tag comes first in `text` with no opening tag (of any pair) before it: the shape of an
 * answer that started inside the thinking block. undefined when the first tag is an opening tag, or there is none.
 */
export function closeFirstPair(text: string, tags: readonly ThinkTagPair[]): ThinkTagPair | undefined {
  let firstOpen = Infinity;
  for (const pair of tags) {
    const at = text.indexOf(pair.open);
    if (at !== -1 && at < firstOpen) firstOpen = at;
  }
  let found: ThinkTagPair | undefined;
  let firstClose = firstOpen;
  for (const pair of tags) {
    const at = text.indexOf(pair.close);
    if (at !== -1 && at < firstClose) {
      firstClose = at;
      found = pair;
    }
  }
  return found;
}

export class ThinkTagSplitter {
  private state: State = 'start';
  private pending = '';
  /** Closing tag of the block being read. */
  private close = '';
  /** After a tag, the newlines the model puts around it are layout, not text. */
  private trimLeading = false;
  /** The pair whose block the answer starts in (implicitOpen), if any. */
  private readonly implicit: ThinkTagPair | undefined;
  /** True once the answer entered a thinking block. */
  sawThinking = false;

  /**
   * @param tags the pairs to recognise at the start of the answer.
   * @param implicit the answer starts inside this pair's block; undefined: the first pair marked `implicitOpen`;
   *   null: none (the upstream already sends its reasoning in a field).
   */
  constructor(
    private readonly tags: readonly ThinkTagPair[] = DEFAULT_THINK_TAGS,
    implicit?: ThinkTagPair | null,
  ) {
    this.implicit = implicit === null ? undefined : (implicit ?? tags.find((t) => t.implicitOpen === true));
  }

  /** True once the splitter passes content through unchanged (no tag seen at the start). */
  get passthrough(): boolean {
    return this.state === 'answer' && !this.trimLeading && this.pending === '';
  }

  /** Splits a whole text given in pieces: what a stream of these pieces assembles to. */
  static splitAll(pieces: Iterable<string>, tags: readonly ThinkTagPair[] = DEFAULT_THINK_TAGS, implicit?: ThinkTagPair | null): SplitText {
    const splitter = new ThinkTagSplitter(tags, implicit);
    const out: SplitText = { reasoning: '', content: '' };
    for (const piece of pieces) {
      const part = splitter.push(piece);
      out.reasoning += part.reasoning;
      out.content += part.content;
    }
    const tail = splitter.flush();
    return { reasoning: out.reasoning + tail.reasoning, content: out.content + tail.content };
  }

  /**
   * Splits a complete answer. Unlike a live stream, a complete answer shows whether it started inside the thinking
   * block: when its first tag is a closing tag with no opening tag before it, the text before that tag is reasoning.
   */
  static splitComplete(text: string, tags: readonly ThinkTagPair[] = DEFAULT_THINK_TAGS): SplitText {
    return ThinkTagSplitter.splitAll([text], tags, closeFirstPair(text, tags));
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

  /** In the start state: enter a block, wait for more text, or settle on the answer. Returns false to wait. */
  private begin(): boolean {
    const lead = this.pending.trimStart();
    if (lead.length === 0) return false;
    let waiting = false;
    for (const pair of this.tags) {
      if (lead.startsWith(pair.open)) {
        this.enter(pair.close, lead.slice(pair.open.length));
        return true;
      }
      if (lead.length < pair.open.length && pair.open.startsWith(lead)) waiting = true;
    }
    if (waiting) return false;
    if (this.implicit !== undefined) {
      this.enter(this.implicit.close, lead);
      this.trimLeading = false;
      return true;
    }
    this.state = 'answer';
    return true;
  }

  private enter(close: string, rest: string): void {
    this.pending = rest;
    this.close = close;
    this.state = 'thinking';
    this.sawThinking = true;
    this.trimLeading = true;
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
        if (!this.begin()) return;
        continue;
      }
      if (this.state === 'thinking') {
        const end = this.pending.indexOf(this.close);
        if (end === -1) {
          const keep = partialTagSuffix(this.pending, this.close);
          out.reasoning += this.pending.slice(0, this.pending.length - keep);
          this.pending = this.pending.slice(this.pending.length - keep);
          return;
        }
        out.reasoning += this.pending.slice(0, end);
        this.pending = this.pending.slice(end + this.close.length);
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

/** Index just past the whitespace starting at `from`. */
function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text.charAt(i))) i++;
  return i;
}

/**
 * Removes thinking from an earlier assistant turn the client sends back (history hygiene): complete
 * `open…close` blocks of every pair, and a leading `…close` whose opening tag was in the prompt (the shape
 * `implicitOpen` answers have). Text without any closing tag is returned as is (no copy).
 */
export function removeThinkBlocks(text: string, tags: readonly ThinkTagPair[] = DEFAULT_THINK_TAGS): string {
  let out = text;
  const lead = closeFirstPair(out, tags);
  if (lead !== undefined) out = out.slice(skipSpace(out, out.indexOf(lead.close) + lead.close.length));
  for (const { open, close } of tags) {
    if (!out.includes(close)) continue;
    let result = '';
    let from = 0;
    for (;;) {
      const start = out.indexOf(open, from);
      const end = start === -1 ? -1 : out.indexOf(close, start + open.length);
      if (end === -1) break;
      result += out.slice(from, start);
      from = skipSpace(out, end + close.length);
    }
    out = result + out.slice(from);
  }
  return out;
}
