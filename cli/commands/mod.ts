/**
 * Command name -> implementation. Add a command by adding one line here.
 * @module
 */
import type { Command } from "../common.ts";
import { pluginsCommand } from "./plugins.ts";

/** Every CLI command. */
export const commands: Record<string, Command> = {
  plugins: pluginsCommand,
};
