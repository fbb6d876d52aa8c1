/**
 * The bridge stream → model pipeline, outside React. Batches from the host are queued as they
 * arrive and applied once per animation frame (within a time budget, so a burst never freezes
 * the window); then the timeline selection is brought up to date and one version number is
 * bumped. React components subscribe to that number and read the model directly.
 */
import type { EventBatch, InspectorBridge, WireEvent } from '../../../app/bridge/contract';
import { FilteredRows, MATCH_ALL, type CompiledFilter } from '../../../app/filter';
import { InspectorModel, type ModelOptions, type ModelSnapshot } from '../../../app/model';
import { RateMeter } from './rate-meter';

/** Longest a frame spends applying events before yielding to rendering and input. */
const FRAME_BUDGET_MS = 10;
/** When far behind (a replayed backlog, a burst), frames may apply for longer… */
const CATCH_UP_BUDGET_MS = 40;
const CATCH_UP_BACKLOG = 50_000;
/** …and the views re-render at most this often until the backlog is gone. */
const CATCH_UP_RENDER_MS = 200;
/** Renders may take at most about this share of the time, so applying events keeps up. */
const RENDER_SHARE = 0.25;
const VSYNC_MS = 1000 / 60;

export class LiveSession {
  readonly model: InspectorModel;
  readonly timeline: FilteredRows;
  readonly rate = new RateMeter();
  private queue: (readonly WireEvent[])[] = [];
  private queued = 0;
  private scheduled = false;
  private versionValue = 0;
  private listeners = new Set<() => void>();
  private stop: (() => void) | undefined;
  private lastNotified = 0;
  /** Recent cost of one timeline render, ms (exponential average, reported by the view). */
  private renderCost = 0;
  /** Recent layout + paint time beyond a vsync after a render, ms (exponential average). */
  private paintCost = 0;
  private awaitingPaint = false;
  /** Rows whose columns changed in the latest applied frame (for row-level re-rendering). */
  private mutatedRows: ReadonlySet<number> = new Set();
  private mutatedAll = false;
  /** The host's newest seq as of the latest batch. */
  hostLastSeq = 0;

  constructor(options: ModelOptions = {}) {
    this.model = new InspectorModel(options);
    this.timeline = new FilteredRows(this.model, MATCH_ALL);
  }

  /** Bumped after every frame that changed anything. */
  get version(): number {
    return this.versionValue;
  }

  /** Events received but not applied yet (a backlog during bursts). */
  get backlog(): number {
    return this.queued;
  }

  connect(bridge: InspectorBridge): void {
    this.stop?.();
    const fromSeq = this.model.totals.lastSeq > 0 ? this.model.totals.lastSeq + 1 : undefined;
    this.stop = bridge.subscribe((batch) => this.accept(batch), fromSeq);
  }

  /** Starts an empty session from a host snapshot (see InspectorModel.seed); connect() then continues after it. */
  seed(snapshot: ModelSnapshot): void {
    this.model.seed(snapshot);
    this.timeline.update(this.model.takeMutations());
    this.pendingAll = true;
    this.changed();
  }

  disconnect(): void {
    this.stop?.();
    this.stop = undefined;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.versionValue;

  setFilter(filter: CompiledFilter): void {
    this.timeline.setFilter(filter);
    this.pendingAll = true;
    this.changed();
  }

  /** Forgets the rows shown so far (the host's journal keeps them). */
  clearTimeline(): void {
    this.model.clearTimeline();
    this.timeline.update(this.model.takeMutations());
    this.pendingAll = true;
    this.changed();
  }

  /** Queues a batch for the next frames (from the live subscription, or a page of an opened capture). */
  accept(batch: EventBatch): void {
    if (batch.lastSeq > this.hostLastSeq) this.hostLastSeq = batch.lastSeq;
    if (batch.events.length > 0) {
      this.queue.push(batch.events);
      this.queued += batch.events.length;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Hidden windows get no animation frames; keep draining so the queue cannot pile up.
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') setTimeout(this.frame, 100);
    else requestAnimationFrame(this.frame);
  }

  private frame = (): void => {
    this.scheduled = false;
    const started = performance.now();
    if (this.awaitingPaint) {
      // The first frame after a render: anything beyond one vsync went to layout and paint.
      this.awaitingPaint = false;
      const interval = started - this.lastNotified;
      // A long gap means no frame was wanted in between, not a slow paint.
      if (interval < 250) this.paintCost = this.paintCost * 0.8 + Math.max(0, interval - VSYNC_MS) * 0.2;
    }
    const budget = this.queued > CATCH_UP_BACKLOG ? CATCH_UP_BUDGET_MS : FRAME_BUDGET_MS;
    let applied = 0;
    while (this.queue.length > 0) {
      const events = this.queue.shift()!;
      this.model.applyBatch(events);
      applied += events.length;
      if (performance.now() - started > budget) break;
    }
    this.queued -= applied;
    if (applied === 0 && this.deferred) {
      if (started - this.lastNotified >= this.frameCost / RENDER_SHARE) this.changed();
    }
    if (applied > 0) {
      const mutations = this.model.takeMutations();
      this.timeline.update(mutations);
      this.noteMutations(mutations.rows, mutations.overflow);
      this.rate.add(applied);
      const sinceRender = started - this.lastNotified;
      const minimumGap = this.queue.length > 0 ? CATCH_UP_RENDER_MS : this.frameCost / RENDER_SHARE;
      if (sinceRender >= minimumGap) this.changed();
      else this.deferred = true;
    }
    if (this.queue.length > 0 || this.deferred) this.schedule();
  };

  private get frameCost(): number {
    return this.renderCost + this.paintCost;
  }

  /** Set when applied events wait for the next render. */
  private deferred = false;

  /** The view reports how long a render took; heavy renders are spaced out under load. */
  noteRenderCost(ms: number): void {
    this.renderCost = this.renderCost === 0 ? ms : this.renderCost * 0.8 + ms * 0.2;
  }

  /** Whether a row's cells may show something different since the previous render. */
  rowChanged(row: number): boolean {
    return this.mutatedAll || this.mutatedRows.has(row);
  }

  private pendingMutated = new Set<number>();
  private pendingAll = false;

  private noteMutations(rows: readonly number[], overflow: boolean): void {
    if (overflow) this.pendingAll = true;
    else for (const row of rows) this.pendingMutated.add(row);
  }

  private changed(): void {
    // Rows mutated since the last render are the ones rows must redraw for this version.
    this.mutatedRows = this.pendingMutated;
    this.mutatedAll = this.pendingAll;
    this.pendingMutated = new Set();
    this.pendingAll = false;
    this.lastNotified = performance.now();
    this.awaitingPaint = true;
    this.deferred = false;
    this.versionValue++;
    for (const listener of this.listeners) listener();
  }
}
