/** View preferences that survive a reload: theme, hidden and resized columns, detail pane height, row cap. */
import { DEFAULT_ROW_CAPACITY } from '../../../app/model/row-store';
import type { ThemeChoice } from './ui-store';

export interface Preferences {
  readonly theme: ThemeChoice;
  readonly hiddenColumns: readonly string[];
  readonly columnWidths: Readonly<Record<string, number>>;
  readonly detailHeight: number;
  /** Most timeline rows the live view keeps in memory; older ones drop from view (the journal keeps them). */
  readonly viewRows: number;
}

/** The caps offered in the status bar; any integer in [MIN_VIEW_ROWS, MAX_VIEW_ROWS] is accepted. */
export const VIEW_ROW_CHOICES: readonly number[] = [100_000, 250_000, 1_000_000, 2_000_000, 5_000_000];
export const MIN_VIEW_ROWS = 100;
export const MAX_VIEW_ROWS = 5_000_000;

const KEY = 'xpc-inspector.preferences.v1';
export const DEFAULT_HIDDEN_COLUMNS: readonly string[] = ['handler', 'conn', 'msg'];
const DEFAULTS: Preferences = { theme: 'system', hiddenColumns: DEFAULT_HIDDEN_COLUMNS, columnWidths: {}, detailHeight: 300, viewRows: DEFAULT_ROW_CAPACITY };

export function loadPreferences(): Preferences {
  try {
    const text = window.localStorage.getItem(KEY);
    if (text === null) return DEFAULTS;
    const parsed = JSON.parse(text) as Partial<Preferences>;
    return {
      theme: parsed.theme === 'light' || parsed.theme === 'dark' || parsed.theme === 'system' ? parsed.theme : DEFAULTS.theme,
      hiddenColumns: Array.isArray(parsed.hiddenColumns) ? parsed.hiddenColumns.filter((c): c is string => typeof c === 'string') : DEFAULTS.hiddenColumns,
      columnWidths: isWidths(parsed.columnWidths) ? parsed.columnWidths : {},
      detailHeight: typeof parsed.detailHeight === 'number' && parsed.detailHeight >= 120 ? parsed.detailHeight : DEFAULTS.detailHeight,
      viewRows: isViewRows(parsed.viewRows) ? parsed.viewRows : DEFAULTS.viewRows,
    };
  } catch {
    return DEFAULTS;
  }
}

export function savePreferences(preferences: Preferences): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(preferences));
  } catch {
    // Storage may be unavailable (private mode, quota); preferences then last for the session only.
  }
}

function isViewRows(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= MIN_VIEW_ROWS && value <= MAX_VIEW_ROWS;
}

function isWidths(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'number' && v > 10 && v < 4000);
}
