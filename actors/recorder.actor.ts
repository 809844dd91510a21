// Recorder actor: writes every message after MarketData into the run's database, in batches.
import { fromMutableTransition } from './mutable-transition.ts';
import type { EventWriter } from '../db/events.ts';
import type { MessageType, PipelineMessage } from './messages.ts';

export interface RecorderInput {
  writer: EventWriter;
}

export const recorderLogic = fromMutableTransition(
  (writer: EventWriter, event: PipelineMessage): EventWriter => {
    if (event.type === 'EndOfData') writer.flush();
    else writer.append(event);
    return writer;
  },
  ({ input }: { input: RecorderInput }): EventWriter => input.writer,
);

/** Whether the recorder is sent a message type: EndOfData always (it flushes), others only if the writer keeps them. */
export function recorderReceives(writer: EventWriter, type: MessageType): boolean {
  return type === 'EndOfData' || writer.records?.(type) !== false;
}
