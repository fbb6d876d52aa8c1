import type { Command } from 'commander';
import { registerBroker } from './broker';
import { registerExport } from './export';
import { registerImport } from './import';
import { registerSend } from './send';
import { registerServe } from './serve';
import { registerStart } from './start';

/** Adds every subcommand to the program; one line per command module. */
export function registerCommands(program: Command): void {
  registerStart(program);
  registerServe(program);
  registerExport(program);
  registerImport(program);
  registerBroker(program);
  registerSend(program);
}
