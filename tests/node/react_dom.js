// A happy-dom document for the React tests, and mount() to render into it under act().
import { after } from 'node:test';
import { Window } from 'happy-dom';
import { act } from 'react';

const win = new Window({ url: 'http://localhost/' });
globalThis.window = win;
globalThis.document = win.document;
if (globalThis.navigator === undefined) globalThis.navigator = win.navigator; // Node 20 has none
globalThis.IS_REACT_ACT_ENVIRONMENT = true;
const { createRoot } = await import('react-dom/client');
after(async () => {
  await win.happyDOM.abort();
  win.close();
});

export async function mount(element, rootOptions) {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container, rootOptions);
  await act(async () => root.render(element));
  return {
    container,
    rerender: (next) => act(async () => root.render(next)),
    unmount: async () => {
      await act(async () => root.unmount());
      container.remove();
    },
  };
}
