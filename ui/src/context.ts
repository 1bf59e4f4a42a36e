// What every view gets: the REST client, who is logged in, the live state and change events.
import type { ApiClient, Me } from './api.ts';
import type { Change, LiveState } from './liveState.ts';
import type { Channel } from './types.ts';

export interface AppContext {
  api: ApiClient;
  me: Me;
  state: LiveState;
  /** register for state changes; returns the unsubscribe function */
  onChange(listener: (c: Change) => void): () => void;
  /** follow extra channels (e.g. a replay) on top of `live` */
  follow(channel: Channel): void;
  markSeen(id: string): void;
  navigate(hash: string): void;
}

/** A view renders into `root` and returns its cleanup (timers, listeners). */
export type View = (root: HTMLElement, ctx: AppContext, param: string, query: URLSearchParams) => (() => void) | void;
