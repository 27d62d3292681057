type Listener = { bivarianceHack(event: unknown): void }['bivarianceHack'];

/** What the provider needs of `window`: the `online` event. */
export interface EventTargetLike {
  addEventListener(type: string, listener: Listener): void;
  removeEventListener(type: string, listener: Listener): void;
}

/** What the provider needs of `document`: `visibilityState` and its change event. */
export interface VisibilityTargetLike extends EventTargetLike {
  readonly visibilityState: string;
}

export interface ConnectivityOptions {
  readonly onlineTarget: EventTargetLike | null;
  readonly visibilityTarget: VisibilityTargetLike | null;
  /** Hidden at least this long counts as a long hidden period. */
  readonly longHiddenMs: number;
  readonly now: () => number;
  readonly onOnline: () => void;
  readonly onVisibleAfterLongHidden: () => void;
}

function isEventTarget(value: unknown): value is EventTargetLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<EventTargetLike>).addEventListener === 'function' &&
    typeof (value as Partial<EventTargetLike>).removeEventListener === 'function'
  );
}

/** `globalThis` in a browser (or any runtime that fires `online` there); null elsewhere. */
export function defaultOnlineTarget(): EventTargetLike | null {
  const scope: unknown = globalThis;
  return isEventTarget(scope) ? scope : null;
}

/** `globalThis.document` in a browser; null elsewhere. */
export function defaultVisibilityTarget(): VisibilityTargetLike | null {
  const document: unknown = (globalThis as { document?: unknown }).document;
  return isEventTarget(document) && typeof (document as Partial<VisibilityTargetLike>).visibilityState === 'string'
    ? (document as VisibilityTargetLike)
    : null;
}

/**
 * Listens for the browser's hints that a connection is worth trying now:
 * the network came back, or the page is visible again after a long time
 * hidden (a sleeping laptop, a throttled background tab). Returns the
 * function that removes every listener.
 */
export function watchConnectivity(options: ConnectivityOptions): () => void {
  const { onlineTarget, visibilityTarget } = options;
  let hiddenSince: number | null = visibilityTarget?.visibilityState === 'hidden' ? options.now() : null;

  const handleOnline = (): void => options.onOnline();
  const handleVisibilityChange = (): void => {
    if (visibilityTarget === null) return;
    if (visibilityTarget.visibilityState === 'hidden') {
      hiddenSince ??= options.now();
      return;
    }
    if (visibilityTarget.visibilityState !== 'visible' || hiddenSince === null) return;
    const hiddenFor = options.now() - hiddenSince;
    hiddenSince = null;
    if (hiddenFor >= options.longHiddenMs) options.onVisibleAfterLongHidden();
  };

  onlineTarget?.addEventListener('online', handleOnline);
  visibilityTarget?.addEventListener('visibilitychange', handleVisibilityChange);
  return () => {
    onlineTarget?.removeEventListener('online', handleOnline);
    visibilityTarget?.removeEventListener('visibilitychange', handleVisibilityChange);
  };
}
