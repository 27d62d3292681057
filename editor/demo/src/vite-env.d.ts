/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Under `vite` dev only: the Quire server to use (default ws://127.0.0.1:1234). */
  readonly VITE_QUIRE_SERVER?: string;
}
