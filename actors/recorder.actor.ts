// Recorder actor: writes every message after MarketData into the run's database, in batches.
import { fromMutableTransition } from './mutable-transition.ts';
import type { EventWriter } from '../db/events.ts';
import type { PipelineMessage } from './messages.ts';

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
