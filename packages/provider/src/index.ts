export { QuireProvider } from './quire-provider.ts';
export { PROVIDER_DEFAULTS } from './provider-options.ts';
export type { QuireProviderOptions } from './provider-options.ts';
export type { TokenSource } from './token-refresh.ts';
export type {
  CloseCause,
  ConnectionCloseEvent,
  ConnectionErrorEvent,
  PermissionDeniedEvent,
  ProviderStatus,
  QuireProviderEvents,
  ServerErrorInfo,
} from './provider-events.ts';
export type { EventTargetLike, VisibilityTargetLike } from './watch-connectivity.ts';
export type { CloseEventLike, MessageEventLike, WebSocketConstructorLike, WebSocketLike } from './websocket-like.ts';
