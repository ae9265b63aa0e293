package cocaine.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/cocaine-tool}: the original {@code cocaine-tool}'s spelling and exit codes over the same
 * commands as {@code bin/cocaine}, so scripts written for it keep running (docs/migration.md,
 * "cocaine-tool"). Most of the original's spellings are {@code bin/cocaine}'s own (aliases such as
 * {@code --container_url}); what only the old tool had is rewritten here: its {@code -v} verbosity
 * counter is dropped. Exit codes are the original's: 128 when the tool or a service fails, 22
 * (EINVAL) for a bad value, 2 for a command line that does not parse.
 */
public final class CocaineTool {
  private CocaineTool() {}

  public static void main(String[] args) {
    System.exit(Cocaine.run(ExitCodes.COCAINE_TOOL, rewrite(args)));
  }

  /**
   * The command line {@code bin/cocaine} understands for one the original accepted: {@code -v},
   * {@code -vv} ... after the command name are the original's log verbosity and are dropped (before
   * it, {@code -v} asks for the version, as in {@code bin/cocaine}).
   */
  static String[] rewrite(String... args) {
    List<String> out = new ArrayList<>();
    boolean command = false;
    for (String arg : args) {
      if (command && arg.matches("-v+")) {
        continue;
      }
      command |= !arg.startsWith("-");
      out.add(arg);
    }
    return out.toArray(String[]::new);
  }
}
