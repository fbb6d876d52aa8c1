/** The window: toolbar, sidebar, the selected view, status bar. */
import { useEffect } from 'react';
import { useUi } from '../state/ui-store';
// Composer: the panel beside the current view (opened from the toolbar).
import { ComposerPanel } from '../composer/ComposerPanel';
import { ImportProblemSheet } from '../captures/ImportProblemSheet';
import { InterruptedNotice } from '../captures/InterruptedNotice';
import { TabBar } from '../captures/TabBar';
import '../captures/captures.css';
import { TimelineView } from '../timeline/TimelineView';
import { ConnectionsView } from '../views/ConnectionsView';
import { ServicesView } from '../views/ServicesView';
import { TransactionsView } from '../views/TransactionsView';
import { Notices } from './Notices';
import { Sidebar } from './Sidebar';
import { StatusBar } from './StatusBar';
import { applyTheme } from '../state/appearance';
import { Toolbar } from './Toolbar';

export function App() {
  const view = useUi((s) => s.view);
  const theme = useUi((s) => s.theme);
  const activeTab = useUi((s) => s.activeTab);

  useEffect(() => {
    applyTheme(theme);
  }, [theme]);

  return (
    <div className="app">
      <Toolbar />
      <TabBar />
      <InterruptedNotice />
      {/* Keyed by tab: every view starts afresh on the session it shows. */}
      <div className="app-body" key={activeTab}>
        <Sidebar />
        <main className="content" data-view={view}>
          {view === 'timeline' && <TimelineView />}
          {view === 'services' && <ServicesView />}
          {view === 'connections' && <ConnectionsView />}
          {view === 'transactions' && <TransactionsView />}
        </main>
        {/* Composer: the "send test message" panel, when open. */}
        <ComposerPanel />
      </div>
      <StatusBar />
      <Notices />
      <ImportProblemSheet />
    </div>
  );
}
