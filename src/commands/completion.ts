// Shell completion for commands and flags, generated from the program itself so
// it cannot drift; `TYPE/NAME` arguments of edit and set-image complete from
// the cluster through the hidden `__names` command (one list request).
import { Command, Argument } from 'commander';
import { globalsOf, runAction } from './shared.js';
import { ExitCode } from '../engine/errors.js';
import { log } from '../ui/log.js';

interface Spec {
  name: string;
  flags: string[];
}

function specs(root: Command): { globals: string[]; commands: Spec[] } {
  const flagsOf = (c: Command) => c.options.filter((o) => !o.hidden).flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)));
  return {
    globals: flagsOf(root),
    commands: root.commands.filter((c) => !c.name().startsWith('__')).map((c) => ({ name: c.name(), flags: flagsOf(c) })),
  };
}

/** Commands whose positional arguments name cluster objects as TYPE/NAME. */
const NAMED_OBJECT_COMMANDS = ['edit', 'set-image'];

function bash(root: Command): string {
  const { globals, commands } = specs(root);
  // A command may list a global flag again for its help (status --context): offer it once.
  const cases = commands.map((c) => `    ${c.name}) opts="${[...new Set([...c.flags, ...globals])].join(' ')}" ;;`).join('\n');
  return `# gdeploy bash completion: source <(gdeploy completion bash)
_gdeploy() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="\${COMP_WORDS[1]}" opts
  if [[ \${COMP_CWORD} -eq 1 ]]; then
    COMPREPLY=( $(compgen -W "${commands.map((c) => c.name).join(' ')} ${globals.join(' ')}" -- "$cur") )
    return
  fi
  case "$cmd" in
${cases}
    *) opts="${globals.join(' ')}" ;;
  esac
  if [[ "$cur" == */* && " ${NAMED_OBJECT_COMMANDS.join(' ')} " == *" $cmd "* ]]; then
    COMPREPLY=( $(compgen -W "$(gdeploy __names "\${cur%%/*}" 2>/dev/null)" -- "$cur") )
    return
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  fi
}
complete -o default -F _gdeploy gdeploy
`;
}

function zsh(root: Command): string {
  // zsh runs bash completion functions through bashcompinit.
  return `#compdef gdeploy
# gdeploy zsh completion: source <(gdeploy completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(root)}`;
}

function fish(root: Command): string {
  const { globals, commands } = specs(root);
  const lines = ['# gdeploy fish completion: gdeploy completion fish | source', 'complete -c gdeploy -f'];
  for (const c of commands) {
    const desc = root.commands.find((x) => x.name() === c.name)?.description().replace(/'/g, "\\'") ?? '';
    lines.push(`complete -c gdeploy -n '__fish_use_subcommand' -a ${c.name} -d '${desc}'`);
    for (const f of c.flags) {
      const arg = f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`;
      lines.push(`complete -c gdeploy -n '__fish_seen_subcommand_from ${c.name}' ${arg}`);
    }
  }
  for (const f of globals) lines.push(`complete -c gdeploy ${f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`}`);
  for (const c of NAMED_OBJECT_COMMANDS) {
    lines.push(`complete -c gdeploy -n '__fish_seen_subcommand_from ${c}; and string match -q "*/*" (commandline -ct)' -a '(gdeploy __names (commandline -ct | string split -f1 /) 2>/dev/null)'`);
  }
  return lines.join('\n') + '\n';
}

const SHELLS = { bash, zsh, fish } as const;

export function completionCommand(): Command {
  return new Command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SHELLS)))
    .action(
      runAction(async (shell: keyof typeof SHELLS, _flags: unknown, self: Command) => {
        process.stdout.write(SHELLS[shell](self.parent!));
        return ExitCode.OK;
      }),
    );
}

/** Hidden helper for completion: `TYPE/NAME` of every object of TYPE in the namespace. */
export function namesCommand(): Command {
  return new Command('__names')
    .argument('<type>')
    .action(
      runAction(async (type: string, _flags: unknown, self: Command) => {
        const { resourceType } = await import('../engine/resource-args.js');
        const t = resourceType(type);
        if (!t) return ExitCode.OK;
        const g = globalsOf(self);
        const { connect } = await import('../kube/connect.js');
        const kube = await connect(g);
        const list = await kube.list({ apiVersion: t.apiVersion, kind: t.kind }, kube.namespace, { signal: AbortSignal.timeout(5000) });
        for (const o of list.items) log.result(`${type}/${o.metadata.name}`);
        return ExitCode.OK;
      }),
    );
}
