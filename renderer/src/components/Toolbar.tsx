/** The window toolbar: what this window shows, live/paused state, and the capture actions. */
import { useUi, type ThemeChoice } from '../state/ui-store';
import { clearTimeline, togglePause } from '../state/session';
import { AutoThemeIcon, MoonIcon, PauseIcon, PlayIcon, SunIcon, TrashIcon, XpcGlyph } from './icons';
// Composer: its toolbar entry point.
import { ComposerButton } from '../composer/ComposerButton';
import { ExportMenu } from '../captures/ExportMenu';
import { OpenMenu } from '../captures/OpenMenu';

const NEXT_THEME: Readonly<Record<ThemeChoice, ThemeChoice>> = { system: 'light', light: 'dark', dark: 'system' };

export function Toolbar() {
  const session = useUi((s) => s.session);
  const link = useUi((s) => s.link);
  const paused = useUi((s) => s.paused);
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  const capture = session?.mode === 'capture';

  const status =
    link.state === 'closed'
      ? { cls: 'closed', text: 'Disconnected' }
      : link.state === 'connecting'
        ? { cls: '', text: 'Connecting…' }
        : capture
          ? { cls: 'capture', text: 'Capture · read-only' }
          : paused
            ? { cls: 'paused', text: 'Paused' }
            : { cls: 'live', text: 'Live' };

  const subtitle = session === undefined ? 'Connecting…' : capture ? (session.capturePath ?? session.title) : (session.jobsDir ?? session.title);

  return (
    <header className="toolbar" data-testid="toolbar">
      <div className="toolbar-title">
        <span className="app-icon">
          <XpcGlyph size={14} />
        </span>
        <div>
          <h1>XPC Inspector</h1>
          <div className="subtitle" title={subtitle}>
            {subtitle}
          </div>
        </div>
      </div>
      <div className="toolbar-group">
        {!capture && (
          <button
            type="button"
            className="tool-button"
            data-testid="pause-button"
            aria-pressed={paused}
            onClick={() => void togglePause()}
            title={paused ? 'Resume streaming (the broker kept capturing)' : 'Pause streaming to this window (the broker keeps capturing)'}
          >
            {paused ? <PlayIcon /> : <PauseIcon />}
            {paused ? 'Resume' : 'Pause'}
          </button>
        )}
        {!capture && (
          <button type="button" className="tool-button" data-testid="clear-button" onClick={() => void clearTimeline()} title="Clear the timeline (⌘K); the capture on disk keeps everything">
            <TrashIcon />
            Clear
          </button>
        )}
        {/* Composer: opens the "send test message" panel. */}
        <ComposerButton />
      </div>
      {!capture && <span className="toolbar-divider" />}
      <div className="toolbar-group">
        <OpenMenu />
        <ExportMenu />
      </div>
      <span className="toolbar-spacer" />
      <span className={`status-pill ${status.cls}`} data-testid="link-status" title={link.detail}>
        <span className="dot" />
        {status.text}
      </span>
      <button
        type="button"
        className="tool-button"
        data-testid="theme-toggle"
        title={`Appearance: ${theme === 'system' ? 'follows the system' : theme} (click to change)`}
        aria-label={`Appearance: ${theme}`}
        onClick={() => setTheme(NEXT_THEME[theme])}
      >
        {theme === 'system' ? <AutoThemeIcon /> : theme === 'light' ? <SunIcon /> : <MoonIcon />}
      </button>
    </header>
  );
}
