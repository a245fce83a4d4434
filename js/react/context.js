// The provider and the hooks that read it: which client (or bare core) the tree syncs with.
import { createContext, createElement, useContext, useMemo } from 'react';
import { sourceFor } from './source.js';

const SyncContext = createContext(null);
SyncContext.displayName = 'SyncContext';

/**
 * <SyncProvider client={client}> (a SyncClient from createSyncClient), or <SyncProvider core={core}>
 * (a bare SyncCore, for apps without a server).
 */
export function SyncProvider({ client, core, children }) {
  if (!client && !core) throw new TypeError('SyncProvider needs a client (createSyncClient) or a core (createSyncCore) prop');
  const value = useMemo(() => sourceFor(client ?? null, client ? client.core : core), [client, core]);
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
