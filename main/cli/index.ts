/**
 * The `xpc-inspector` command line. Each subcommand lives in its own module under
 * commands/ and registers itself on the program.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';

const program = new Command();
program
  .name('xpc-inspector')
  .description('See and debug live XPC traffic: connections, messages, replies, transactions, boosts.')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  console.error(`xpc-inspector: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
