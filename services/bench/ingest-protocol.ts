/** What the ingest benchmark and its client processes say to each other over the IPC channel. */
export type CoordinatorMessage =
  | { readonly kind: 'push'; readonly round: number }
  /** Cluster clients only: pull θ of `round` (from every shard), which also says the round has closed everywhere. */
  | { readonly kind: 'pull'; readonly round: number }
  | { readonly kind: 'stop' };

export type ClientMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'pushed'; readonly round: number }
  | { readonly kind: 'pulled'; readonly round: number }
  | { readonly kind: 'failed'; readonly problem: string };
