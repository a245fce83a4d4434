// A transport for client tests that the test drives: always connected and caught up, it keeps
// every push (`pushed`: { batch, mutations }) and answers it on the next microtask with what
// `answer(mutation)` says (ok, version 2, by default), unless `hold` keeps pushes in flight.
// The test delivers server changes through `sink` (the client's TransportSink).

/** @param {{ hold?: boolean }} [o] hold: pushes stay unanswered (until the test sets it false) */
export function scriptedTransport({ hold = false } = {}) {
  const t = {
    sink: null,
    pushed: [],
    answer: () => ({ status: 'ok', version: 2 }),
    hold,
    stats: {},
    start(sink) {
      t.sink = sink;
    },
    connect() {
      t.sink.connected({});
      t.sink.caughtUp();
    },
    disconnect() {},
    push(batch, mutations) {
      t.pushed.push({ batch, mutations });
      if (!t.hold) queueMicrotask(() => t.sink.answer(batch, mutations.map((m) => ({ key: m.key, ...t.answer(m) }))));
      return true;
    },
    sync() {},
    setToken() {},
    close() {},
  };
  return t;
}
