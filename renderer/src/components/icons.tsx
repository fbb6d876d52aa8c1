/** Small stroke icons in the SF Symbols spirit; they take the text colour. */
import type { ReactElement } from 'react';

interface IconProps {
  readonly size?: number;
}

/** A 16-unit stroke icon from its paths; every icon of the app is made with it. */
export function icon(paths: ReactElement, viewBox = '0 0 16 16') {
  return function Icon({ size = 14 }: IconProps): ReactElement {
    return (
      <svg width={size} height={size} viewBox={viewBox} fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
        {paths}
      </svg>
    );
  };
}

export const TimelineIcon = icon(
  <>
    <path d="M2 4h12M2 8h12M2 12h8" />
  </>,
);
export const ServicesIcon = icon(
  <>
    <rect x="2" y="2.5" width="12" height="4" rx="1" />
    <rect x="2" y="9.5" width="12" height="4" rx="1" />
    <path d="M4.5 4.5h.01M4.5 11.5h.01" strokeWidth="2" />
  </>,
);
export const ConnectionsIcon = icon(
  <>
    <circle cx="3.5" cy="8" r="1.8" />
    <circle cx="12.5" cy="4" r="1.8" />
    <circle cx="12.5" cy="12" r="1.8" />
    <path d="M5.2 7.3 10.8 4.7M5.2 8.7l5.6 2.6" />
  </>,
);
export const ChartIcon = icon(
  <>
    <path d="M2 13.5h12" />
    <path d="M3 11 6 7l3 2 4-5.5" />
  </>,
);
export const PauseIcon = icon(
  <>
    <path d="M5.5 3.5v9M10.5 3.5v9" strokeWidth="2" />
  </>,
);
export const PlayIcon = icon(
  <>
    <path d="M5 3.2v9.6L12.5 8z" fill="currentColor" />
  </>,
);
export const TrashIcon = icon(
  <>
    <path d="M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.7 9h5.6l.7-9" />
  </>,
);
export const SearchIcon = icon(
  <>
    <circle cx="7" cy="7" r="4.2" />
    <path d="m10.2 10.2 3.3 3.3" />
  </>,
);
export const SunIcon = icon(
  <>
    <circle cx="8" cy="8" r="2.8" />
    <path d="M8 1.5v1.5M8 13v1.5M1.5 8H3M13 8h1.5M3.4 3.4l1 1M11.6 11.6l1 1M3.4 12.6l1-1M11.6 4.4l1-1" />
  </>,
);
export const MoonIcon = icon(
  <>
    <path d="M13 9.6A5.5 5.5 0 1 1 6.4 3a4.4 4.4 0 0 0 6.6 6.6z" />
  </>,
);
export const AutoThemeIcon = icon(
  <>
    <circle cx="8" cy="8" r="5.5" />
    <path d="M8 2.5v11a5.5 5.5 0 0 0 0-11z" fill="currentColor" />
  </>,
);
export const ArrowDownIcon = icon(
  <>
    <path d="M8 3v10M4 9l4 4 4-4" />
  </>,
);
export const ColumnsIcon = icon(
  <>
    <rect x="2" y="3" width="12" height="10" rx="1.5" />
    <path d="M6 3v10M10 3v10" />
  </>,
);
export const HelpIcon = icon(
  <>
    <circle cx="8" cy="8" r="6" />
    <path d="M6.3 6.3a1.8 1.8 0 1 1 2.4 1.7c-.5.2-.7.6-.7 1.1v.4M8 11.4h.01" />
  </>,
);
export const ChevronIcon = icon(
  <>
    <path d="m6 4 4 4-4 4" />
  </>,
);
export const CopyIcon = icon(
  <>
    <rect x="5" y="5" width="8.5" height="8.5" rx="1.5" />
    <path d="M3 10.5V3.8C3 3.4 3.4 3 3.8 3h6.7" />
  </>,
);
export const StopIcon = icon(
  <>
    <rect x="4" y="4" width="8" height="8" rx="1.2" fill="currentColor" />
  </>,
);
export const CloseIcon = icon(
  <>
    <path d="m4.5 4.5 7 7M11.5 4.5l-7 7" />
  </>,
);
export const CheckIcon = icon(
  <>
    <path d="m3.5 8.5 3 3 6-7" />
  </>,
);
export const XpcGlyph = icon(
  <>
    <path d="M3 4.5 6.5 8 3 11.5M13 4.5 9.5 8l3.5 3.5" strokeWidth="1.8" />
  </>,
);
