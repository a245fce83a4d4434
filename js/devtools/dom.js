// syncore/devtools/dom: the devtools for apps without React (no React import anywhere below).
export { mountDevtools } from './mount.js';
export { recordEvents } from './event_log.js';
