/** The composer's icons, drawn like the app's own (16-unit stroke icons that take the text colour). */
import { icon } from '../components/icons';

/** A paper plane: compose / send. */
export const SendIcon = icon(
  <>
    <path d="M14 2 7 9" />
    <path d="M14 2 9.5 14 7 9 2 6.5z" />
  </>,
);
export const HistoryIcon = icon(
  <>
    <path d="M2.5 8a5.5 5.5 0 1 0 1.6-3.9" />
    <path d="M2.5 2.5v2.2h2.2M8 5v3.2l2 1.3" />
  </>,
);
export const TemplateIcon = icon(
  <>
    <path d="M4 2.5h8v11l-4-2.8-4 2.8z" />
  </>,
);
export const InfoIcon = icon(
  <>
    <circle cx="8" cy="8" r="6" />
    <path d="M8 7.2v3.8M8 5h.01" />
  </>,
);
export const ResendIcon = icon(
  <>
    <path d="M13 6.5A5 5 0 0 0 4 5" />
    <path d="M3.5 2.5V5H6M3 9.5a5 5 0 0 0 9 1.5" />
    <path d="M12.5 13.5V11H10" />
  </>,
);
