/**
 * The live session's derived state as of one seq, rebuilt from its journal on disk: what a
 * window that joins late starts from (InspectorModel.seed), covering the events the host's
 * bounded replay window no longer holds.
 */
import { InspectorModel } from '../../app/model/inspector-model';
import { modelSnapshot, type ModelSnapshot } from '../../app/model/snapshot';
import { CaptureReader } from '../capture/import';
import type { LiveCapture } from './capture-library';

export async function snapshotFromJournal(capture: LiveCapture, throughSeq: number): Promise<ModelSnapshot> {
  // Events appended so far must be in the file before it is read.
  await capture.flush();
  // Only the state matters here: no timeline rows or payload texts worth keeping.
  const model = new InspectorModel({ rowCapacity: 1024, payloadWindow: 0 });
  const reader = new CaptureReader(capture.path, { validateValues: false });
  reading: for await (const events of reader.batches()) {
    for (let i = 0; i < events.length; i++) {
      if (events[i]!.seq > throughSeq) {
        model.applyBatch(events.slice(0, i));
        break reading;
      }
    }
    model.applyBatch(events);
  }
  if (model.totals.lastSeq < throughSeq) {
    throw new Error(`the journal ${capture.path} holds events up to seq ${model.totals.lastSeq}, not ${throughSeq}`);
  }
  return modelSnapshot(model);
}
