/**
 * The default branch of an exhaustive switch: the compiler proves it is never
 * reached, and if a value from outside the type system gets here anyway it
 * fails loudly instead of being silently ignored. Server and provider share it.
 */
export function unexpectedCase(value: never): never {
  throw new TypeError(`unexpected case: ${String(value)}`);
}
