/** What the ingest benchmark and its client processes say to each other over the IPC channel. */
export type CoordinatorMessage = { readonly kind: 'push'; readonly round: number } | { readonly kind: 'stop' };

export type ClientMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'pushed'; readonly round: number }
  | { readonly kind: 'failed'; readonly problem: string };
