// Network events: navigator.onLine with online / offline, and a "check sync" on visibilitychange
// (back to visible) and focus. In Node there is no window: always online, no events.

export function watchNetwork({ window: win = globalThis.window, document: doc = globalThis.document, navigator: nav = globalThis.navigator, onChange, onWake }) {
  let online = nav && typeof nav.onLine === 'boolean' ? nav.onLine : true;
  const listeners = [];
  const listen = (target, name, fn) => {
    if (!target?.addEventListener) return;
    target.addEventListener(name, fn);
    listeners.push(() => target.removeEventListener(name, fn));
  };
  listen(win, 'online', () => {
    if (online) return;
    online = true;
    onChange(true);
  });
  listen(win, 'offline', () => {
    if (!online) return;
    online = false;
    onChange(false);
  });
  listen(doc, 'visibilitychange', () => {
    if (doc.visibilityState === 'visible' && online) onWake();
  });
  listen(win, 'focus', () => {
    if (online) onWake();
  });
  return {
    get online() {
      return online;
    },
    stop() {
      for (const off of listeners.splice(0)) off();
    },
  };
}
