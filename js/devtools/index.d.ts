import type { ReactElement, CSSProperties } from 'react';
import type { SyncClient } from '../index.js';
import type { DevtoolsOptions } from './dom.js';

export { mountDevtools, recordEvents } from './dom.js';
export type { DevtoolsOptions, DevtoolsEvent } from './dom.js';

export interface SyncDevtoolsProps extends DevtoolsOptions {
  client: SyncClient;
  className?: string;
  style?: CSSProperties;
}

/** The devtools panel as a React component. */
export declare function SyncDevtools(props: SyncDevtoolsProps): ReactElement;
