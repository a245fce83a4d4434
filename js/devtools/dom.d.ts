import type { SyncClient } from '../index.js';

export interface DevtoolsOptions {
  /** How many events the timeline keeps (default 100). */
  events?: number;
  /** The most often the panel re-renders after the client reports something, in ms (default 100). */
  refreshMs?: number;
  /** How often the storage estimate (navigator.storage.estimate()) is read, in ms (default 5000). */
  estimateMs?: number;
  /** The panel's heading (default 'syncore devtools'). */
  title?: string;
}

export interface DevtoolsEvent { at: number; event: string; summary: string }

/** Shows the devtools for `client` inside `element`; returns the function that removes them. */
export declare function mountDevtools(element: Element, client: SyncClient, options?: DevtoolsOptions): () => void;

/**
 * The client's event log (the panel's timeline), started now if it was not yet: call it at start
 * to see in the timeline what happened before the panel first opened.
 */
export declare function recordEvents(client: SyncClient, options?: { limit?: number }): {
  entries(): DevtoolsEvent[];
  subscribe(listener: () => void): () => void;
};
