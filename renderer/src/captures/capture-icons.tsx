/** Icons of the capture actions, drawn like the app's own (16-unit stroke icons that take the text colour). */
import { icon } from '../components/icons';

/** A folder: open a file. */
export const OpenIcon = icon(<path d="M2 4.5V12a1 1 0 0 0 1 1h10a1 1 0 0 0 1-1V6a1 1 0 0 0-1-1H8L6.5 3.5H3A1 1 0 0 0 2 4.5z" />);
/** A box with an arrow out of it: export / share. */
export const ExportIcon = icon(
  <>
    <path d="M8 10V2M5 4.8 8 2l3 2.8" />
    <path d="M5.5 7H4a1 1 0 0 0-1 1v5a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-1.5" />
  </>,
);
/** A document with lines: a read-only capture. */
export const DocumentIcon = icon(
  <>
    <path d="M4 1.8h5.2L12.5 5v9.2H4z" />
    <path d="M9 1.8V5h3.5M6 8h4.5M6 10.5h4.5" />
  </>,
);
/** A warning triangle. */
export const WarningIcon = icon(
  <>
    <path d="M8 2 14.5 13.5h-13z" />
    <path d="M8 6.5v3.2M8 11.7h.01" />
  </>,
);
/** Antenna: the live session. */
export const LiveIcon = icon(
  <>
    <circle cx="8" cy="8" r="1.6" />
    <path d="M5 5a4.2 4.2 0 0 0 0 6M11 5a4.2 4.2 0 0 1 0 6M3 3a7 7 0 0 0 0 10M13 3a7 7 0 0 1 0 10" />
  </>,
);
