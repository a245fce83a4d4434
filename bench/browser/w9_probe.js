// W9's own timing of every callback a page runs (injected before any page script): each handler
// the page gives the browser (on* properties and addEventListener of WebSocket, IndexedDB,
// MessagePort, BroadcastChannel, Worker; timers; animation frames; scheduler.postTask) is wrapped
// so its synchronous run is timed. Microtasks a callback queues run after it returns and are not
// in its span; a task that with them is over 50 ms is in the 'longtask' entries instead (recorded
// here too, buffered from the page's start). window.__w9 = { spans: [[start, ms, label]], longTasks }.
(() => {
  const spans = [];
  const longTasks = [];
  window.__w9 = { spans, longTasks };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push([e.startTime, e.duration, e.name]);
  }).observe({ type: 'longtask', buffered: true });

  const now = () => performance.now();
  const timed = (fn, label) => function timedCallback(...args) {
    const start = now();
    try {
      return fn.apply(this, args);
    } finally {
      const ms = now() - start;
      if (ms >= 0.5) spans.push([start, ms, label]);
    }
  };

  const props = [
    ['WebSocket', ['onmessage', 'onopen', 'onclose', 'onerror']],
    ['IDBRequest', ['onsuccess', 'onerror']],
    ['IDBOpenDBRequest', ['onupgradeneeded', 'onblocked']],
    ['IDBTransaction', ['oncomplete', 'onerror', 'onabort']],
    ['IDBDatabase', ['onversionchange', 'onclose']],
    ['MessagePort', ['onmessage']],
    ['BroadcastChannel', ['onmessage']],
    ['Worker', ['onmessage']],
  ];
  for (const [name, keys] of props) {
    const proto = window[name]?.prototype;
    if (!proto) continue;
    for (const key of keys) {
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (!d?.set) continue;
      Object.defineProperty(proto, key, { ...d, set(fn) { d.set.call(this, typeof fn === 'function' ? timed(fn, `${name}.${key}`) : fn); } });
    }
  }

  const wrappers = new WeakMap(); // listener -> label -> its timed wrapper
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  const wrapperOf = (target, type, fn) => {
    const label = `${target?.constructor?.name ?? '?'}:${type}`;
    let byLabel = wrappers.get(fn);
    if (!byLabel) wrappers.set(fn, (byLabel = new Map()));
    if (!byLabel.has(label)) byLabel.set(label, timed(fn, label));
    return byLabel.get(label);
  };
  EventTarget.prototype.addEventListener = function addEventListener(type, fn, options) {
    return add.call(this, type, typeof fn === 'function' ? wrapperOf(this, type, fn) : fn, options);
  };
  EventTarget.prototype.removeEventListener = function removeEventListener(type, fn, options) {
    return remove.call(this, type, typeof fn === 'function' ? wrapperOf(this, type, fn) : fn, options);
  };

  for (const name of ['setTimeout', 'setInterval', 'requestAnimationFrame', 'requestIdleCallback']) {
    const original = window[name];
    if (typeof original !== 'function') continue;
    window[name] = function (fn, ...rest) {
      return original.call(this, typeof fn === 'function' ? timed(fn, name) : fn, ...rest);
    };
  }
  const postTask = window.scheduler?.postTask;
  if (typeof postTask === 'function') {
    window.scheduler.postTask = function (fn, options) {
      return postTask.call(this, typeof fn === 'function' ? timed(fn, 'scheduler.postTask') : fn, options);
    };
  }
})();
