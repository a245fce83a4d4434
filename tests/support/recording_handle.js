// The public test seam of createSyncCore / createSyncClient ({ wrapHandle }) turned into a record
// of what crossed the wasm boundary: every handle method called, in order, with its answer raw
// as it crossed. The call is recorded before it runs, so one that throws is counted too.

/**
 * A wrapHandle that records into `calls` one { name, answer } per handle method call.
 * @param {{ name: string, answer: unknown }[]} calls
 * @param {(handle: object) => void} [onHandle] is given the raw (unwrapped) handle
 */
export function recordingHandle(calls, onHandle) {
  return (handle) => {
    onHandle?.(handle);
    return new Proxy(handle, {
      get(target, name) {
        const value = target[name];
        if (typeof value !== 'function') return value;
        return (...args) => {
          const call = { name: String(name), answer: undefined };
          calls.push(call);
          call.answer = value.apply(target, args);
          return call.answer;
        };
      },
    });
  };
}
