// Starts the reference y-websocket server for the benchmark. It reads HOST,
// PORT and (for LevelDB persistence) YPERSISTENCE from the environment itself.
await import(new URL('./node_modules/@y/websocket-server/src/server.js', import.meta.url).href);
