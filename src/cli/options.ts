import { type Command, InvalidArgumentError, Option } from "commander";
import {
  type CommandName,
  choiceWords,
  helpFor,
  invalidValue,
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValue,
} from "../settings.js";

/** "-q, --quality": how a usage error names the option. */
export function flagName(setting: Setting<unknown>): string {
  return setting.flags.replace(/\s*<[^>]*>$/, "");
}

/** "--quality": how running text names the option. */
export function longFlag(setting: Setting<unknown>): string {
  return /--[\w-]+/.exec(setting.flags)?.[0] ?? setting.flags;
}

function invalid(expected: string, flags: string, text: string): InvalidArgumentError {
  return new InvalidArgumentError(invalidValue(expected, flags, `'${text}'`));
}

/** A setting's command-line parser: its value, or a usage error in the one voice. */
export function parseArgument<T>(setting: Setting<T>): (text: string) => T {
  return (text) => {
    const value = setting.fromText(text);
    if (value === undefined)
      throw invalid(setting.textExpected ?? setting.expected, flagName(setting), text);
    return value;
  };
}

/** A setting as an option of `command`: its help line, choices, parser and default. */
export function settingOption(key: SettingName, command: CommandName): Option {
  const setting: Setting<unknown> = SETTINGS[key];
  if (!setting.commands.includes(command)) throw new Error(`${command} does not take ${key}`);
  const option = new Option(setting.flags, helpFor(setting, command));
  if (setting.choices) option.choices(setting.choices);
  option.argParser(parseArgument(setting));
  // commander states the default in --help.
  if (setting.default !== undefined) option.default(setting.default, setting.defaultText);
  return option;
}

/** Adds the settings to `command` in the order given. */
export function addSettings(
  command: Command,
  name: CommandName,
  keys: readonly SettingName[],
): Command {
  for (const key of keys) command.addOption(settingOption(key, name));
  return command;
}

/** An option that is no setting (--emit, --request) with a few choices, in the same voice. */
export function choiceOption(flags: string, help: string, choices: readonly string[]): Option {
  const expected = choiceWords(choices);
  const name = flags.replace(/\s*<[^>]*>$/, "");
  return new Option(flags, help).choices(choices).argParser((text: string) => {
    if (!choices.includes(text)) throw invalid(expected, name, text);
    return text;
  });
}

export type SettingValues = { [K in SettingName]?: SettingValue<K> };

const ATTRIBUTES = new Map(
  (Object.keys(SETTINGS) as SettingName[]).map((key) => [
    key,
    new Option(SETTINGS[key].flags).attributeName(),
  ]),
);

/**
 * A command's settings as the library names them (`--timeout` becomes `timeoutMs`): `values`
 * with commander's defaults, `given` only those typed on the command line.
 */
export function settingValues(command: Command): { values: SettingValues; given: SettingValues } {
  const values: Record<string, unknown> = {};
  const given: Record<string, unknown> = {};
  const opts = command.opts();
  for (const [key, attribute] of ATTRIBUTES) {
    if (!(SETTINGS[key].commands as readonly string[]).includes(command.name())) continue;
    const value = opts[attribute];
    if (value === undefined) continue;
    values[key] = value;
    if (command.getOptionValueSource(attribute) === "cli") given[key] = value;
  }
  return { values: values as SettingValues, given: given as SettingValues };
}
