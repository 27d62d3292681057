#!/usr/bin/env node
import { CLI_USAGE, CliConfigError, printableConfig, readCliConfig } from './cli/cli-config.ts';
import { commandStorage, migrateDatabase, startServer } from './cli/main.ts';
import { MIGRATE_COMMAND_USAGE, runMigrateCommand } from './cli/migrate-command.ts';
import { isStorageCommand, runStorageCommand, STORAGE_COMMAND_USAGE } from './cli/storage-command.ts';
import { runTokenCommand, TOKEN_COMMAND_USAGE } from './cli/token-command.ts';

// The CLI is the one place allowed to write to the terminal directly: usage
// and start-up failures happen before (or instead of) a logger.
const args = process.argv.slice(2);
const [command, ...commandArgs] = args;
try {
  if (isStorageCommand(command)) {
    process.exitCode = await runStorageCommand(command, commandArgs, process.env, process, commandStorage);
  } else if (command === 'migrate') {
    process.exitCode = await runMigrateCommand(commandArgs, process.env, process, migrateDatabase);
  } else if (command === 'token') {
    process.exitCode = await runTokenCommand(commandArgs, process.env, process);
  } else {
    const config = readCliConfig(args, process.env);
    if (config === 'help') process.stdout.write(`${CLI_USAGE}\n${STORAGE_COMMAND_USAGE}\n${MIGRATE_COMMAND_USAGE}\n${TOKEN_COMMAND_USAGE}`);
    else if (config.printConfig) process.stdout.write(`${JSON.stringify(printableConfig(config), null, 2)}\n`);
    else await startServer(config);
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`quire-server: ${message}\n`);
  if (error instanceof CliConfigError) process.stderr.write(`\n${CLI_USAGE}`);
  process.exitCode = 1;
}
