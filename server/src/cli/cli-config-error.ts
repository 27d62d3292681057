/** A setting, flag or configuration file the CLI refuses: it exits 1 with the message. */
export class CliConfigError extends Error {
  override readonly name = 'CliConfigError';
}
