// The syncore devtools (syncore/devtools) in a drawer at the bottom right, behind the top bar's
// "Devtools" toggle.
import { SyncDevtools } from '../../js/devtools/index.js';

export function DevtoolsDrawer({ client, onClose }) {
  return (
    <aside className="devtools-drawer" data-testid="devtools-drawer" aria-label="syncore devtools">
      <button type="button" className="devtools-close" aria-label="Close the devtools" onClick={onClose}>×</button>
      <SyncDevtools client={client} className="devtools-host" />
    </aside>
  );
}
