package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every group and command answers --help and every group help, with its own usage and exit code 0. */
class HelpTest {
  @Test
  void everyCommandAndGroupAnswersDashDashHelp() {
    List<List<String>> paths = paths();
    assertTrue(paths.size() > 50, "the tree has its commands: " + paths);
    for (List<String> path : paths) {
      for (String flag : List.of("--help", "-h")) {
        List<String> args = new ArrayList<>(path);
        args.add(flag);
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exit(), args + ": " + r);
        assertTrue(r.out().contains("Usage: cocaine " + String.join(" ", path)), args + ": " + r);
      }
    }
  }

  @Test
  void everyGroupAnswersHelpAndHelpOfItsCommands() {
    for (String group : List.of("app", "profile", "runlist", "group", "crashlog", "storage")) {
      CliRun help = CliRun.of(group, "help");
      assertEquals(0, help.exit(), group + ": " + help);
      assertTrue(help.out().contains("Usage: cocaine " + group), help.toString());
      assertTrue(help.out().contains("list") || help.out().contains("read"), "lists the commands: " + help);
      CliRun bare = CliRun.of(group);
      assertEquals(0, bare.exit(), bare.toString());
      assertTrue(bare.out().contains("Usage: cocaine " + group), "a group alone prints its usage: " + bare);
    }
    CliRun upload = CliRun.of("app", "help", "upload");
    assertEquals(0, upload.exit(), upload.toString());
    assertTrue(upload.out().contains("Usage: cocaine app upload") && upload.out().contains("--package"), upload.toString());
    CliRun root = CliRun.of("help", "crashlog");
    assertTrue(root.out().contains("Usage: cocaine crashlog") && root.out().contains("cleanrange"), root.toString());
  }

  @Test
  void appDashDashHelpNoLongerSaysUnknownOption() {
    CliRun r = CliRun.of("app", "--help");
    assertEquals(0, r.exit(), r.toString());
    assertFalse(r.err().contains("Unknown option"), r.toString());
    for (String verb : List.of("upload", "import", "deploy", "list", "view", "remove", "start", "stop", "restart", "info")) {
      assertTrue(r.out().contains(verb), verb + " in " + r);
    }
  }

  @Test
  void versionAnswersToDashVVersionAndTheVerb() {
    for (String[] args : List.of(new String[] {"-v"}, new String[] {"-V"}, new String[] {"--version"},
        new String[] {"version"})) {
      CliRun r = CliRun.of(args);
      assertEquals(0, r.exit(), r.toString());
      assertEquals("cocaine " + Cocaine.VERSION, r.out().trim(), r.toString());
    }
  }

  @Test
  void anUnknownOptionSaysWhichHelpToRead() {
    CliRun r = CliRun.of("app", "upload", "--nope");
    assertEquals(2, r.exit(), r.toString());
    assertTrue(r.err().contains("Unknown option: '--nope'"), r.toString());
    assertTrue(r.err().contains("Run 'cocaine app upload --help'"), r.toString());
  }

  /** Every command path under the root, groups included, help commands left out. */
  private static List<List<String>> paths() {
    List<List<String>> out = new ArrayList<>();
    walk(Cocaine.commandLine(ExitCodes.COCAINE), new ArrayList<>(), out);
    return out;
  }

  private static void walk(CommandLine cli, List<String> path, List<List<String>> out) {
    out.add(List.copyOf(path));
    cli.getCommandSpec().subcommands().forEach((name, sub) -> {
      boolean alias = !name.equals(sub.getCommandName());
      if (!alias && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        List<String> next = new ArrayList<>(path);
        next.add(name);
        walk(sub, next, out);
      }
    });
  }
}
