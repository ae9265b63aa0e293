package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The completion scripts are generated from the command tree, new verbs and options included. */
class CompletionCommandTest {
  @Test
  void bashCompletesCommandsGroupsAndOptions() {
    CliRun r = CliRun.of("completion", "bash");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("complete -F _complete_cocaine"), r.out().lines().limit(40).toList().toString());
    for (String word : new String[] {"cleanrange", "copyname", "manifest-only", "container-url", "completion"}) {
      assertTrue(r.out().contains(word), word + " is completed");
    }
  }

  @Test
  void zshGetsTheScriptThatLoadsBashCompletionUnderZsh() {
    CliRun r = CliRun.of("completion", "zsh");
    assertEquals(0, r.exit(), r.toString());
    assertTrue(r.out().contains("ZSH_VERSION") && r.out().contains("bashcompinit && bashcompinit"), r.toString());
    assertEquals(CliRun.of("completion", "bash").out(), r.out());
  }

  @Test
  void anotherShellIsRefusedNamingTheOnesThereAre() {
    CliRun r = CliRun.of("completion", "fish");
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("bash") && r.err().contains("zsh"), r.toString());
  }
}
