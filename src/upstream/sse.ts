/**
 * Incremental Server-Sent Events parser (the WHATWG event-stream grammar, the parts OpenAI-style APIs use).
 * Pure: feed it decoded text in arbitrary splits, get whole events out. Tested on arbitrary chunk splits.
 */

export interface SseEvent {
  /** `event:` field, when the server sent one (error events on some upstreams). */
  event?: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

export class SseParser {
  private buffer = '';
  private dataLines: string[] = [];
  private eventName: string | undefined;
  /** A chunk that ended in "\r" may be the first half of "\r\n". */
  private pendingCR = false;

  /** Feeds decoded text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    if (this.pendingCR && text.startsWith('\n')) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    const buf = this.buffer;
    for (let i = 0; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.processLine(buf.slice(start, i), events);
      if (c === 13) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCR = true;
        }
      }
      start = i + 1;
    }
    this.buffer = buf.slice(start);
    return events;
  }

  /** Flushes an event the stream ended without a blank line after (lenient, as browsers are). */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.buffer.length > 0) this.processLine(this.buffer, events);
    this.buffer = '';
    this.dispatch(events);
    return events;
  }

  private processLine(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
  }

  private dispatch(events: SseEvent[]): void {
    if (this.dataLines.length > 0) {
      const ev: SseEvent = { data: this.dataLines.length === 1 ? (this.dataLines[0] as string) : this.dataLines.join('\n') };
      if (this.eventName !== undefined) ev.event = this.eventName;
      events.push(ev);
    }
    this.dataLines = [];
    this.eventName = undefined;
  }
}

/** Frames one SSE `data:` event. JSON never contains raw newlines, so one line suffices. */
export const sseData = (data: string): string => `data: ${data}\n\n`;
export const SSE_DONE = 'data: [DONE]\n\n';
