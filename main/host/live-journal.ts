/**
 * The live session journaled to disk as it streams (main/capture/journal): every broker event
 * appended to a new capture file in the captures directory, so exports read it from disk and a
 * killed app leaves it behind to be reopened on the next start.
 */
import type { InspectorEvent } from '../../app/events/schema';
import { ensureCapturesDirectory } from '../capture/data-dir';
import { CaptureJournal } from '../capture/journal';
import type { LiveCapture } from './capture-library';
import type { VisibilityGate } from './event-stream';

export interface JournaledBroker {
  onEvent(listener: (event: InspectorEvent) => void): () => void;
  readonly socketPath: string;
}

export interface LiveJournal extends LiveCapture {
  readonly journal: CaptureJournal;
  /** Stops journaling and closes the file with its end line (the marker of a clean close). */
  close(): Promise<void>;
}

export function journalLiveSession(broker: JournaledBroker, options: { readonly capturesDir: string; readonly jobsDir?: string; readonly log: (line: string) => void }): LiveJournal {
  ensureCapturesDirectory(options.capturesDir);
  const journal = CaptureJournal.open({ dir: options.capturesDir, source: { kind: 'broker', jobsDir: options.jobsDir, socketPath: broker.socketPath } });
  journal.onError((error) => options.log(error.message));
  // The broker replays its start-up events to a new listener, so the journal starts at seq 1.
  const detach = broker.onEvent((event) => journal.append([event]));
  let closing: Promise<void> | undefined;
  // A journal that failed shows everything rather than freezing the view (the error is logged).
  const gate: VisibilityGate = {
    get through() {
      return journal.error === undefined ? journal.written : Number.POSITIVE_INFINITY;
    },
    onAdvance: (listener) => {
      const offWritten = journal.onWritten(() => listener());
      const offError = journal.onError(() => listener());
      return () => {
        offWritten();
        offError();
      };
    },
  };
  return {
    journal,
    path: journal.path,
    gate,
    flush: () => journal.flush(),
    close: () =>
      (closing ??= (async () => {
        detach();
        await journal.close();
      })()),
  };
}
