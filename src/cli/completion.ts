import type { Command, Option } from "commander";

/** The shells `imgenc completion` writes a script for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface Flag {
  short?: string;
  long?: string;
  description: string;
  /** The option takes a value. */
  value: boolean;
  choices?: readonly string[];
}

interface CommandSpec {
  name: string;
  summary: string;
  flags: Flag[];
  /** The first argument's choices, if it has any; otherwise arguments are files. */
  argumentChoices?: readonly string[];
  takesArguments: boolean;
}

const HELP: Flag = { short: "-h", long: "--help", description: "display help", value: false };

function flagOf(option: Option): Flag {
  return {
    ...(option.short !== undefined && { short: option.short }),
    ...(option.long !== undefined && { long: option.long }),
    description: option.description,
    value: option.required || option.optional,
    ...(option.argChoices !== undefined && { choices: option.argChoices }),
  };
}

function flagsOf(command: Command): Flag[] {
  return [...command.options.filter((o) => !o.hidden).map(flagOf), HELP];
}

/** Every command and option of the program, as commander holds them. */
function specOf(program: Command): { global: Flag[]; commands: CommandSpec[] } {
  return {
    global: flagsOf(program),
    commands: program.commands.map((command) => {
      const [first] = command.registeredArguments;
      return {
        name: command.name(),
        summary: command.summary() || command.description(),
        flags: flagsOf(command),
        ...(first?.argChoices !== undefined && { argumentChoices: first.argChoices }),
        takesArguments: first !== undefined,
      };
    }),
  };
}

const names = (flags: readonly Flag[]) =>
  flags.flatMap((f) => [f.short, f.long].filter((n): n is string => n !== undefined));

function bash(program: Command): string {
  const { global, commands } = specOf(program);
  const words = (list: readonly string[]) => list.join(" ");
  const cases = commands.map((command) => {
    const valued = command.flags.filter((f) => f.value);
    const choices = valued
      .filter((f) => f.choices !== undefined)
      .map(
        (f) =>
          `        ${names([f]).join("|")}) COMPREPLY=($(compgen -W "${words(f.choices ?? [])}" -- "$cur")); return ;;`,
      );
    const others = valued.filter((f) => f.choices === undefined);
    const rest =
      others.length > 0 ? [`        ${names(others).join("|")}) return ;;`] : ([] as string[]);
    const positional =
      command.argumentChoices !== undefined
        ? `COMPREPLY=($(compgen -W "${words(command.argumentChoices)}" -- "$cur"))`
        : "return";
    return [
      `    ${command.name})`,
      '      case "$prev" in',
      ...choices,
      ...rest,
      "      esac",
      "      if [[ $cur == -* ]]; then",
      `        COMPREPLY=($(compgen -W "${words(names([...command.flags, ...global]))}" -- "$cur"))`,
      "      else",
      `        ${positional}`,
      "      fi",
      "      ;;",
    ].join("\n");
  });
  const top = [...commands.map((c) => c.name), ...names(global)];
  return `# imgenc completion for bash. Load it with
#   source <(imgenc completion bash)
# or save it as ~/.local/share/bash-completion/completions/imgenc
_imgenc() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} command="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ \${COMP_WORDS[i]} != -* ]]; then
      command=\${COMP_WORDS[i]}
      break
    fi
  done
  COMPREPLY=()
  case "$command" in
    "")
      COMPREPLY=($(compgen -W "${words(top)}" -- "$cur"))
      ;;
${cases.join("\n")}
  esac
}
complete -o default -F _imgenc imgenc
`;
}

/** Text inside a single-quoted zsh word, as an _arguments description. */
const zshText = (text: string) =>
  text
    .replace(/([[\]:\\])/g, "\\$1")
    .replace(/'/g, "'\\''")
    .replace(/\s+/g, " ");

function zshFlag(flag: Flag): string[] {
  const action = flag.choices
    ? `:value:(${flag.choices.join(" ")})`
    : flag.value
      ? ":value:_files"
      : "";
  return names([flag]).map((name) => `'${name}[${zshText(flag.description)}]${action}'`);
}

function zsh(program: Command): string {
  const { global, commands } = specOf(program);
  const described = commands.map((c) => `    '${c.name}:${zshText(c.summary)}'`);
  const cases = commands.map((command) => {
    const positional = command.argumentChoices
      ? `'1:argument:(${command.argumentChoices.join(" ")})'`
      : command.takesArguments
        ? "'*:file:_files'"
        : "";
    const specs = [...command.flags.flatMap(zshFlag), positional].filter((s) => s !== "");
    return `        ${command.name})\n          _arguments -s \\\n            ${specs.join(" \\\n            ")}\n          ;;`;
  });
  return `#compdef imgenc
# imgenc completion for zsh. Load it with
#   source <(imgenc completion zsh)
# after compinit, or save it as _imgenc in a folder of $fpath
_imgenc() {
  local curcontext="$curcontext" state line
  local -a commands
  commands=(
${described.join("\n")}
  )
  _arguments -C \\
    ${global.flatMap(zshFlag).join(" \\\n    ")} \\
    '1: :->command' \\
    '*:: :->arguments'
  case $state in
    command)
      _describe -t commands 'imgenc command' commands
      ;;
    arguments)
      case $words[1] in
${cases.join("\n")}
      esac
      ;;
  esac
}
if [[ $funcstack[1] == _imgenc ]]; then
  _imgenc "$@"
else
  compdef _imgenc imgenc
fi
`;
}

/** Text inside a single-quoted fish word. */
const fishText = (text: string) => text.replace(/[\\']/g, "\\$&").replace(/\s+/g, " ");

function fishFlag(flag: Flag, condition: string): string {
  const parts = ["complete -c imgenc"];
  if (condition !== "") parts.push(`-n '${condition}'`);
  if (flag.short !== undefined) parts.push(`-s ${flag.short.slice(1)}`);
  if (flag.long !== undefined) parts.push(`-l ${flag.long.slice(2)}`);
  if (flag.choices) parts.push(`-x -a '${flag.choices.join(" ")}'`);
  else if (flag.value) parts.push("-r -F");
  parts.push(`-d '${fishText(flag.description)}'`);
  return parts.join(" ");
}

function fish(program: Command): string {
  const { global, commands } = specOf(program);
  const lines = [
    "# imgenc completion for fish. Load it with",
    "#   imgenc completion fish | source",
    "# or save it as ~/.config/fish/completions/imgenc.fish",
    "complete -c imgenc -f",
    ...global.map((flag) => fishFlag(flag, "")),
  ];
  for (const command of commands) {
    lines.push(
      `complete -c imgenc -n __fish_use_subcommand -a ${command.name} -d '${fishText(command.summary)}'`,
    );
    const seen = `__fish_seen_subcommand_from ${command.name}`;
    lines.push(...command.flags.map((flag) => fishFlag(flag, seen)));
    if (command.argumentChoices) {
      lines.push(`complete -c imgenc -n '${seen}' -a '${command.argumentChoices.join(" ")}'`);
    } else if (command.takesArguments) {
      lines.push(`complete -c imgenc -n '${seen}' -F`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The completion script for `shell`, listing every command and option `program` has. */
export function completionScript(program: Command, shell: Shell): string {
  return { bash, zsh, fish }[shell](program);
}
