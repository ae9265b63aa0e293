package cocaine.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine completion bash|zsh}: the shell completion script for every command, group and
 * option, generated from the command tree by picocli. It is one script for both shells: under zsh it
 * loads {@code bashcompinit} itself.
 */
@Command(name = "completion", description = "Print the shell completion script: "
    + "'source <(bin/cocaine completion bash)' in ~/.bashrc, or 'source <(bin/cocaine completion zsh)' in ~/.zshrc.")
final class CompletionCommand implements Callable<Integer> {
  /** The shells there is a script for. */
  enum Shell { bash, zsh }

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh") Shell shell;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    CommandLine root = spec.root().commandLine();
    spec.commandLine().getOut().print(AutoComplete.bash(root.getCommandName(), root));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
