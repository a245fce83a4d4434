// <SyncDevtools client={client} />: the devtools panel as a React component. It renders one
// element and mounts the DOM panel (mount.js) into it, so React apps and plain-DOM apps see the
// same panel.
import { createElement, useEffect, useRef } from 'react';
import { mountDevtools } from './mount.js';

export function SyncDevtools({ client, events, refreshMs, estimateMs, title, className, style }) {
  if (!client) throw new TypeError('<SyncDevtools client={client} />: the client prop is required');
  const ref = useRef(null);
  useEffect(() => mountDevtools(ref.current, client, { events, refreshMs, estimateMs, title }), [client, events, refreshMs, estimateMs, title]);
  return createElement('div', { ref, className, style, 'data-syncore-devtools': '' });
}
