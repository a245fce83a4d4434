// The gradebook page: one sync client per window (its own IndexedDB "device"), the React tree
// under <SyncProvider>, and body[data-ready="true"] once the client has caught up with the server
// the first time (or, when the window starts in "Work offline", once the local data is shown).
import { createRoot } from 'react-dom/client';
import { SyncProvider } from '../../js/react/index.js';
import { createSyncClient, createWebSocketTransport } from '../../js/browser.js';
import { recordEvents } from '../../js/devtools/index.js';
import { App } from './App.jsx';
import { claimDevice, offlinePreference } from './device.js';

const syncUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`;

async function start() {
  const device = await claimDevice();
  const offline = offlinePreference(device.id);
  const startOffline = offline.get();

  // The client connects as it starts; a window reloaded in "Work offline" must not open a socket
  // at all, so the transport holds its first connect until the switch is applied.
  const ws = createWebSocketTransport({ url: syncUrl() });
  let hold = startOffline;
  const transport = Object.create(ws, {
    connect: {
      value() {
        if (!hold) ws.connect();
      },
    },
  });

  const client = await createSyncClient({
    transport,
    // js/browser.js finds the wasm next to its own URL, which is the bundle's once bundled.
    wasmUrl: '/dist/syncore.wasm',
    storage: { name: device.dbName },
    collections: {
      students: { strategy: 'server-wins' },
      scores: { strategy: 'manual' },
    },
    // Attachments (docs/files.md): uploaded to the demo server's /files endpoints.
    files: { url: `${location.origin}/files` },
  });
  // The devtools' timeline starts now, not when the panel first opens.
  recordEvents(client, { limit: 200 });
  if (startOffline) client.goOffline();
  hold = false;

  const ready = () => {
    document.body.dataset.ready = 'true';
  };
  if (!startOffline) {
    const caughtUp = (s) => s.connected && s.connection === 'connected' && s.lastSyncAt !== null;
    if (caughtUp(client.status)) ready();
    else {
      const off = client.on('statusChanged', (s) => {
        if (!caughtUp(s)) return;
        off();
        ready();
      });
    }
  }

  // For the devtools console and the end-to-end tests: gradebook.client.getStats(), …
  window.gradebook = { client, device };

  createRoot(document.getElementById('root')).render(
    <SyncProvider client={client}>
      <App device={device} offlinePreference={offline} initiallyOffline={startOffline} onShown={startOffline ? ready : undefined} />
    </SyncProvider>,
  );
}

start().catch((err) => {
  console.error(err);
  const root = document.getElementById('root');
  root.innerHTML = '';
  const box = document.createElement('div');
  box.className = 'fatal';
  box.setAttribute('role', 'alert');
  const title = document.createElement('h2');
  title.textContent = 'The gradebook could not start';
  const detail = document.createElement('code');
  detail.textContent = `${err?.code ? `${err.code}: ` : ''}${err?.message ?? err}`;
  box.append(title, detail);
  root.append(box);
  document.body.dataset.ready = 'error';
});
