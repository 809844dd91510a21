// Reads a text/event-stream response event by event (for route tests of the live stream).

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  readonly seen: SseEvent[] = [];

  constructor(response: Response) {
    if (response.body === null) throw new Error('the response has no body to stream');
    this.reader = response.body.getReader();
  }

  /** Reads until an event matches (the test's own timeout fails it if none ever does). */
  async until(match: (event: SseEvent) => boolean): Promise<SseEvent> {
    for (;;) {
      const blockEnd = this.buffer.indexOf('\n\n');
      if (blockEnd >= 0) {
        const block = this.buffer.slice(0, blockEnd);
        this.buffer = this.buffer.slice(blockEnd + 2);
        const event = parseBlock(block);
        if (event === undefined) continue;
        this.seen.push(event);
        if (match(event)) return event;
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) throw new Error(`stream ended; events seen: ${this.seen.map((e) => e.event).join(', ')}`);
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The first event already read that matches, or the next one to arrive. */
  async find(match: (event: SseEvent) => boolean): Promise<SseEvent> {
    return this.seen.find(match) ?? this.until(match);
  }

  async close(): Promise<void> {
    await this.reader.cancel();
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  let id: string | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    else if (line.startsWith('id:')) id = line.slice(3).trim();
  }
  if (data.length === 0 && event === 'message') return undefined;
  return { event, data: data.join('\n'), id };
}
