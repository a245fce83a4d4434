// The transports a client syncs through: the sink they report to, WebSocket and REST.
// Part of the declarations of js/index.d.ts (which re-exports every one of them).
import type { SyncStatus } from './client.js';
import type { WireMutation } from './commits.js';

export interface TransportSink {
  connected(welcome: unknown): void;
  caughtUp(): void;
  disconnected(): void;
  deliver(changes: unknown[], cursor?: number): boolean;
  answer(batch: number, results: unknown[]): void;
  status(s: { state: string; retryInMs?: number }): void;
  /** A transport in front of another client (a follower tab's): that client's connection and counts. */
  upstream?(s: Partial<SyncStatus> | null): void;
  notification(n: unknown): void;
  authRequired(message: string): void;
  error(e: { code: string; message: string }): void;
}

export interface Transport {
  kind: string;
  stats: Record<string, number>;
  start(sink: TransportSink, session: () => { clientId: string; token?: string; cursor: number; collections: string[] }): void;
  connect(): void;
  disconnect(): void;
  push(batch: number, mutations: WireMutation[]): boolean;
  sync(): void;
  setToken(token: string): void;
  readonly connected: boolean;
  close(): void;
}

export interface WebSocketTransportOptions {
  url: string | URL;
  WebSocket?: unknown;
  /** A socket not open by then is dropped and retried (CONNECT_TIMEOUT). Default 2 × heartbeatMs. */
  connectTimeoutMs?: number;
  heartbeatMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  catchUpLimit?: number;
  maxMessageBytes?: number;
  /** A catch-up chunk not answered within this (default 30 s) ends the connection: error event, reconnect. */
  catchUpTimeoutMs?: number;
}

export interface RestTransportOptions {
  baseUrl: string | URL;
  fetch?: typeof fetch;
  pull?: (cursor: number) => Promise<{ changes: unknown[]; cursor?: number }>;
  pollIntervalMs?: number;
  idField?: string;
  versionField?: string;
  headers?: Record<string, string>;
  /** How updates are sent: 'PUT' (merge patch, the default), 'PATCH' (merge patch), 'PUT-full' (the whole object). */
  updateMethod?: 'PUT' | 'PATCH' | 'PUT-full';
  /** Pull these collections from GET /api/<collection>/?cursor= (the reference server) when no `pull` is given. */
  pullCollections?: string[];
  /** Changes per GET page with pullCollections [500]. */
  pullLimit?: number;
}

export declare function createWebSocketTransport(options: WebSocketTransportOptions): Transport;
export declare function createRestTransport(options: RestTransportOptions): Transport;
