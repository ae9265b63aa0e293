package cocaine.cli;

import cocaine.client.UnicornClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine unicorn ...}: the unicorn service's tree (docs/protocol.md 2.6), values given and
 * printed as JSON with their versions. Writes carry the access token when one is given.
 */
@Command(name = "unicorn", description = "Read and change the unicorn service's tree (ZooKeeper).",
    subcommands = {UnicornCommands.Get.class, UnicornCommands.Put.class, UnicornCommands.Create.class,
        UnicornCommands.Remove.class, UnicornCommands.Children.class, UnicornCommands.Edit.class})
final class UnicornCommands {
  private UnicornCommands() {}

  static UnicornClient connect(Target target) throws IOException {
    return new UnicornClient(target.service("unicorn"), target.timeout, target.authorization());
  }

  /** VALUE as JSON; a bare word is refused with the quoting it needs. */
  static Object json(String value) {
    try {
      return Printer.JSON.readValue(value, Object.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("VALUE must be JSON (a string needs its quotes: '\"" + value + "\"'): "
          + e.getOriginalMessage());
    }
  }

  static Map<String, Object> shown(String path, UnicornClient.Versioned v) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("path", path);
    out.put("value", Values.toJava(v.value()));
    out.put("version", v.version());
    return out;
  }

  /** A unicorn command on one PATH: {@link #run} gets a connection, opened for it and closed after. */
  abstract static class OnPath implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(index = "0", paramLabel = "PATH") String path;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public final Integer call() throws IOException, InterruptedException {
      check();
      try (UnicornClient unicorn = connect(target)) {
        return run(unicorn, spec.commandLine().getOut());
      }
    }

    /** Refuses bad arguments before anything is connected to. */
    void check() {}

    /** @return the exit code */
    abstract int run(UnicornClient unicorn, PrintWriter out) throws IOException, InterruptedException;
  }

  /** A unicorn command that writes a JSON VALUE to PATH. */
  abstract static class WithValue extends OnPath {
    @Parameters(index = "1", paramLabel = "VALUE", description = "JSON, e.g. 42, '\"text\"', '{\"a\": [1, 2]}'") String value;
    Object parsed;

    @Override
    void check() {
      parsed = json(value);
    }
  }

  @Command(name = "get", description = "Print a node's value and version (version -1: no such node).")
  static final class Get extends OnPath {
    @Override
    int run(UnicornClient unicorn, PrintWriter out) {
      Printer.print(out, shown(path, unicorn.get(path)));
      return 0;
    }
  }

  @Command(name = "put", description = "Replace a node's value with JSON VALUE, at --version (default: the version read now).")
  static final class Put extends WithValue {
    @Option(names = "--version", description = "write only if the node is at this version (compare and set)") Long version;

    @Override
    int run(UnicornClient unicorn, PrintWriter out) {
      long at = version != null ? version : unicorn.get(path).version();
      if (at < 0) {
        throw new CocaineException(new ErrorCode(11, 8), "unicorn put('" + path + "'): no such node; create it with "
            + "'cocaine unicorn create " + path + " VALUE'");
      }
      UnicornClient.Put put = unicorn.put(path, parsed, at);
      if (!put.written()) {
        throw new CocaineException(new ErrorCode(11, 7), "unicorn put('" + path + "'): the node is at version "
            + put.now().version() + ", not " + at + "; nothing was written (get it again and retry)");
      }
      Printer.print(out, shown(path, put.now()));
      return 0;
    }
  }

  @Command(name = "create", description = "Create a node (and missing parents) holding JSON VALUE; fails if it exists.")
  static final class Create extends WithValue {
    @Override
    int run(UnicornClient unicorn, PrintWriter out) {
      unicorn.create(path, parsed);
      out.println("unicorn node '" + path + "' created");
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove a node without children, at --version (default: any).")
  static final class Remove extends OnPath {
    @Option(names = "--version", defaultValue = "-1", description = "remove only if the node is at this version") long version;

    @Override
    int run(UnicornClient unicorn, PrintWriter out) {
      unicorn.remove(path, version);
      out.println("unicorn node '" + path + "' removed");
      return 0;
    }
  }

  @Command(name = "edit", description = "Edit a node's value as JSON in $VISUAL/$EDITOR; stored at the version read"
      + " (created when there is no node), as the original tool's unicorn edit.")
  static final class Edit extends OnPath {
    @Override
    int run(UnicornClient unicorn, PrintWriter out) throws IOException, InterruptedException {
      UnicornClient.Versioned before = unicorn.get(path);
      Object shown = before.version() < 0 ? new LinkedHashMap<>() : Values.toJava(before.value());
      Path file = Editor.editAsJson(shown, "cocaine-unicorn-");
      Object after;
      try {
        after = Printer.JSON.readValue(file.toFile(), Object.class);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("the edit is not JSON (" + e.getOriginalMessage() + "); nothing was stored."
            + " Your edit is kept in " + file, e);
      }
      if (before.version() >= 0 && Printer.JSON.writeValueAsString(after).equals(Printer.JSON.writeValueAsString(shown))) {
        Files.deleteIfExists(file);
        out.println("unicorn node '" + path + "' unchanged");
        return 0;
      }
      if (before.version() < 0) {
        unicorn.create(path, after);
      } else if (!unicorn.put(path, after, before.version()).written()) {
        throw new CocaineException(new ErrorCode(11, 7), "unicorn edit('" + path + "'): the node changed while you"
            + " edited it; nothing was stored. Your edit is kept in " + file);
      }
      Files.deleteIfExists(file);
      out.println("unicorn node '" + path + "' stored");
      return 0;
    }
  }

  @Command(name = "children", description = "List a node's children (sorted) and its child version.")
  static final class Children extends OnPath {
    @Override
    int run(UnicornClient unicorn, PrintWriter out) {
      try (UnicornClient.Subscription children = unicorn.subscribeChildren(path)) {
        Duration wait = target.timeout;
        UnicornClient.Children now = children.nextChildren(wait);
        if (now == null) {
          throw new CocaineException(ErrorCode.TIMEOUT, "unicorn children('" + path + "') got no reply within "
              + wait.toMillis() + " ms");
        }
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("path", path);
        shown.put("children", now.names());
        shown.put("version", now.version());
        Printer.print(out, shown);
      }
      return 0;
    }
  }
}
