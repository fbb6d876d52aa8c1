/** The window's tabs: the live session and the captures opened beside it (shown once there is more than one). */
import { CloseIcon } from '../components/icons';
import { switchTab } from '../state/tabs';
import { useUi } from '../state/ui-store';
import { closeTab } from './capture-commands';
import { DocumentIcon, LiveIcon } from './capture-icons';

export function TabBar() {
  const tabs = useUi((s) => s.tabs);
  const active = useUi((s) => s.activeTab);
  if (tabs.length < 2) return null;
  return (
    <div className="tab-bar" role="tablist" aria-label="Sessions" data-testid="tab-bar">
      {tabs.map((tab) => (
        <div key={tab.id} className={`tab ${tab.id === active ? 'active' : ''} ${tab.mode}`} data-testid="session-tab" data-session={tab.id} data-mode={tab.mode}>
          <button type="button" role="tab" className="tab-label" aria-selected={tab.id === active} title={tab.mode === 'capture' ? `${tab.title} (read-only)` : tab.title} onClick={() => switchTab(tab.id)}>
            <span className="tab-icon">{tab.mode === 'live' ? <LiveIcon size={12} /> : <DocumentIcon size={12} />}</span>
            <span className="tab-title">{tab.title}</span>
            {tab.loading && (
              <span className="tab-progress" data-testid="tab-loading">
                {tab.loading.total > 0 ? `${Math.floor((tab.loading.read / tab.loading.total) * 100)}%` : '…'}
              </span>
            )}
          </button>
          {tab.mode === 'capture' && (
            <button type="button" className="tab-close" aria-label={`Close ${tab.title}`} data-testid="close-tab" onClick={() => void closeTab(tab.id)}>
              <CloseIcon size={9} />
            </button>
          )}
        </div>
      ))}
    </div>
  );
}
