// The page going away or out of sight (visibilitychange to hidden, pagehide) and coming back
// (visible, pageshow). While hidden, the client writes each change at once instead of grouping:
// a page that is hiding may never run another task, and what the app saves in its own
// pagehide / visibilitychange handlers must already be on its way to storage when they return.
// Registered when the client starts, so before the app's handlers.

export function watchPageLifecycle({ window: win = globalThis.window, document: doc = globalThis.document, onHide, onShow }) {
  const listeners = [];
  const listen = (target, name, fn) => {
    if (!target?.addEventListener) return;
    target.addEventListener(name, fn);
    listeners.push(() => target.removeEventListener(name, fn));
  };
  listen(doc, 'visibilitychange', () => {
    if (doc.visibilityState === 'hidden') onHide();
    else if (doc.visibilityState === 'visible') onShow();
  });
  listen(win, 'pagehide', () => onHide());
  listen(win, 'pageshow', () => {
    if (doc?.visibilityState !== 'hidden') onShow();
  });
  return {
    stop() {
      for (const off of listeners.splice(0)) off();
    },
  };
}

/** The browser's "leave site?" prompt on beforeunload while unsaved() says so; returns the remover. */
export function warnBeforeUnload(win, unsaved) {
  const onBeforeUnload = (event) => {
    if (!unsaved()) return undefined;
    event.preventDefault();
    try {
      event.returnValue = ''; // older browsers ask only when returnValue is set
    } catch {
      // a plain Event (not a BeforeUnloadEvent): preventDefault said it
    }
    return '';
  };
  win.addEventListener('beforeunload', onBeforeUnload);
  return () => win.removeEventListener('beforeunload', onBeforeUnload);
}
