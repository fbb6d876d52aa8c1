/** The inspector's derived state: see inspector-model.ts. */
export { InspectorModel, deriveServiceState, type ModelOptions, type Mutations } from './inspector-model';
export * from './entities';
export * from './row-store';
export * from './format';
export { StringTable } from './string-table';
export { TransactionSeries, SERIES_CAUSES, type MarkKind, type SeriesBucket, type SeriesCause, type SeriesMark, type SeriesSample } from './transaction-series';
export { payloadText } from './payload-text';
export { lifecycleSummary } from './lifecycle-text';
export { modelSnapshot, type ModelSnapshot } from './snapshot';
