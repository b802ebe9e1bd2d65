import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';

/**
 * Incremental Server-Sent Events parsing, by the event-stream grammar of the WHATWG HTML standard
 * ("Server-sent events", §9.2.6): comments, `event:`/`data:`/`id:`/`retry:` fields, multi-line data joined with
 * "\n", CR, LF and CRLF line ends (also split across reads), a leading BOM. The framing is the maintained
 * `eventsource-parser` package; this wrapper only collects the events a read completes. Pure, no I/O.
 */

export interface SseEvent {
  /** `event:` field, when the server sent one (error events on some upstreams). */
  event?: string;
  /** `id:` field, when the server sent one. */
  id?: string;
  /** The `data:` lines joined with "\n" ('' for an empty `data:` line, a keep-alive some relays send). */
  data: string;
}

export class SseParser {
  private readonly parser: EventSourceParser;
  private events: SseEvent[] = [];
  /** Whether the text fed so far ends with a line end (no partial line is pending). */
  private atLineEnd = true;
  private first = true;

  constructor() {
    this.parser = createParser({ onEvent: (message) => this.events.push(toEvent(message)) });
  }

  /** Feeds decoded text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    if (text.length === 0) return [];
    // The standard strips one leading U+FEFF; the package only recognises it as undecoded UTF-8 bytes.
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) return [];
    }
    this.parser.feed(text);
    const last = text.charCodeAt(text.length - 1);
    this.atLineEnd = last === 10 || last === 13;
    return this.take();
  }

  /**
   * The stream ended. Per the standard, an event not yet followed by a blank line is discarded; as the openai SDK
   * does, so is a partial last line (a cut). An event whose lines all ended is still dispatched: some servers
   * close right after the last line without the blank one.
   */
  end(): SseEvent[] {
    if (this.atLineEnd) this.parser.feed('\n\n');
    this.parser.reset();
    return this.take();
  }

  private take(): SseEvent[] {
    const out = this.events;
    if (out.length > 0) this.events = [];
    return out;
  }
}

function toEvent(message: EventSourceMessage): SseEvent {
  const ev: SseEvent = { data: message.data };
  if (message.event !== undefined) ev.event = message.event;
  if (message.id !== undefined) ev.id = message.id;
  return ev;
}

/**
 * Frames one SSE event carrying `data`. Each line of the data gets its own `data:` field (the standard joins them
 * back with "\n"), so data holding a line end still frames as one event; JSON from `JSON.stringify` has none.
 */
export const sseData = (data: string): string =>
  data.includes('\n') || data.includes('\r') ? `data: ${data.split(/\r\n|\r|\n/).join('\ndata: ')}\n\n` : `data: ${data}\n\n`;
export const SSE_DONE = 'data: [DONE]\n\n';
