/** Renderer entry: styles, the live session, and the React tree. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { applyTheme } from './state/appearance';
import { startSession } from './state/session';
import { useUi } from './state/ui-store';
import './styles/app.css';

applyTheme(useUi.getState().theme);
startSession();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
