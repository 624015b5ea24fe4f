import type { NormalizedRequest } from './discovery-request.ts';

export type DiscoveryState = 'queued' | 'running' | 'done' | 'failed' | 'expired';

/** What a caller (API, CLI, SSE) sees of a task; plain data. */
export type DiscoveryProgress = {
  key: string;
  account: string;
  path: string;
  version: string | null;
  recursive: 'none' | 'children' | 'subtree';
  hot: boolean;
  state: DiscoveryState;
  peersAsked: number;
  peersOk: number;
  peersFailed: number;
  blobsWanted: number;
  blobsFetched: number;
  lastError: string | null;
  /** The local version once the task finished (null when the document is still absent). */
  resultVersion: string | null;
  /** Callers that joined this task instead of starting their own. */
  joins: number;
  startedAt: number | null;
  finishedAt: number | null;
};

/** One discovery: its request, its progress, its interest clock and its cancel switch. */
export class DiscoveryTask {
  readonly request: NormalizedRequest;
  readonly progress: DiscoveryProgress;
  readonly abort = new AbortController();
  lastInterest: number;

  constructor(request: NormalizedRequest, now: number) {
    this.request = request;
    this.lastInterest = now;
    this.progress = {
      key: request.key,
      account: request.account,
      path: request.path,
      version: request.version,
      recursive: request.recursive,
      hot: request.hot,
      state: 'queued',
      peersAsked: 0,
      peersOk: 0,
      peersFailed: 0,
      blobsWanted: 0,
      blobsFetched: 0,
      lastError: null,
      resultVersion: null,
      joins: 0,
      startedAt: null,
      finishedAt: null,
    };
  }

  get finished(): boolean {
    const s = this.progress.state;
    return s === 'done' || s === 'failed' || s === 'expired';
  }

  snapshot(): DiscoveryProgress {
    return { ...this.progress };
  }
}
