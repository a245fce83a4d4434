// The provider and the hooks that read it: which client (or bare core) the tree syncs with.
import { createContext, createElement, useContext, useMemo, useSyncExternalStore } from 'react';
import { sourceFor } from './source.js';
import { remoteLogOf } from './remote_log.js';

const SyncContext = createContext(null);
SyncContext.displayName = 'SyncContext';

const isThenable = (v) => v !== null && typeof v === 'object' && typeof v.then === 'function' && typeof v.core !== 'object';

// A client given as a promise (createSyncClient(...) without await): its state, one per promise.
const starts = new WeakMap();
function startOf(promise) {
  let start = starts.get(promise);
  if (start) return start;
  const listeners = new Set();
  start = {
    state: Object.freeze({ status: 'loading', client: null, error: null }),
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  const settle = (state) => {
    start.state = Object.freeze(state);
    for (const fn of [...listeners]) fn();
  };
  promise.then(
    (client) => settle({ status: 'ready', client, error: null }),
    (error) => settle({ status: 'error', client: null, error }),
  );
  starts.set(promise, start);
  return start;
}

const SETTLED = { subscribe: () => () => {}, state: null };

function defaultErrorFallback(error) {
  // Never a blank page: the error is shown where the app would have been.
  return createElement('div', { role: 'alert', 'data-syncore-error': error?.code ?? 'ERROR' }, `Sync could not start: ${error?.message ?? String(error)}`);
}

/**
 * <SyncProvider client={client}> (a SyncClient from createSyncClient), or <SyncProvider core={core}>
 * (a bare SyncCore, for apps without a server). `client` may be the promise createSyncClient
 * returns: `fallback` is shown until it resolves, and if it rejects `errorFallback` (a node, or
 * (error) => node; by default a short role="alert" message) instead of the children.
 * remoteCacheStorage / remoteCacheName: where useRemoteData({ persist: true }) keeps values
 * (a Web Storage: getItem / setItem; default localStorage) and under which name (default 'syncore').
 */
export function SyncProvider({ client, core, fallback = null, errorFallback, remoteCacheStorage, remoteCacheName, children }) {
  if (!client && !core) throw new TypeError('SyncProvider needs a client (createSyncClient) or a core (createSyncCore) prop');
  const start = isThenable(client) ? startOf(client) : SETTLED;
  const started = useSyncExternalStore(start.subscribe, () => start.state, () => start.state);
  const ready = started ? started.client : client;
  const value = useMemo(() => {
    if (started && started.status !== 'ready') return null;
    const source = sourceFor(ready ?? null, ready ? ready.core : core);
    // Where useRemoteData({ persist: true }) keeps values across reloads (default localStorage).
    if (remoteCacheStorage !== undefined || remoteCacheName !== undefined) source.remoteCache = { storage: remoteCacheStorage ?? globalThis.localStorage, name: remoteCacheName };
    remoteLogOf(source); // the log of remote changes starts with the provider, not the first hook
    return source;
  }, [started, ready, core, remoteCacheStorage, remoteCacheName]);
  if (started?.status === 'loading') return fallback;
  if (started?.status === 'error') {
    const shown = errorFallback === undefined ? defaultErrorFallback : errorFallback;
    return typeof shown === 'function' ? shown(started.error) : shown;
  }
  return createElement(SyncContext.Provider, { value }, children);
}

/** @internal */
export function useSource(hook = 'this hook') {
  const source = useContext(SyncContext);
  if (!source) throw new Error(`${hook} must be used inside <SyncProvider client={...}> or <SyncProvider core={...}>`);
  return source;
}

/** The SyncClient of the nearest SyncProvider. */
export function useSyncClient() {
  const source = useSource('useSyncClient()');
  if (!source.client) throw new Error('useSyncClient(): this SyncProvider was given a bare core, not a client; use useSyncCore()');
  return source.client;
}

/** The SyncCore of the nearest SyncProvider (the client's core, or the bare core). */
export function useSyncCore() {
  return useSource('useSyncCore()').core;
}
