package cocaine.cli;

import cocaine.client.ClientChannel;
import cocaine.client.Locator;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.wire.Values;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.msgpack.value.Value;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code cocaine} command line: talks to a runtime's services over the wire, like the original
 * {@code cocaine-tool}. Exit codes: 0 ok, 1 the service or the network said no, 2 bad arguments
 * ({@link CocaineTool} gives the original's codes instead). Every group and command answers
 * {@code --help}; the root and every group also {@code help [COMMAND]}.
 */
@Command(name = "cocaine", versionProvider = Cocaine.Version.class,
    description = "Manage apps, profiles, runlists, routing groups and storage of a Cocaine cluster.",
    footer = {"", "Run 'cocaine COMMAND --help' (or 'cocaine help COMMAND') for a command's options."},
    subcommands = {
        StatusCommand.class, Cocaine.Locate.class, ClusterCommand.class, Cocaine.Uuid.class, Cocaine.StorageCommands.class,
        AppCommands.class, ProfileCommands.class, RunlistCommands.class,
        GroupCommands.class, CrashlogCommands.class, Cocaine.Call.class,
        AppCommands.Info.class, RoutingCommand.class, LogsCommand.class, LoggingCommands.class, Cocaine.Version.class,
        MetricsCommand.class,
        CompletionCommand.class, TimeoutCommands.class, ConfigCommands.class,
        UnicornCommands.class, TracingCommands.class})
public final class Cocaine implements Runnable {
  static final String VERSION = "0.1.0";

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Option(names = {"-v", "-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
  boolean version;

  @Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs one command line and returns its exit code (tests call this in-process too). */
  public static int run(String... args) {
    return run(ExitCodes.COCAINE, args);
  }

  /** Runs one command line with the exit codes of {@code codes}. */
  static int run(ExitCodes codes, String... args) {
    return commandLine(codes).execute(args);
  }

  /**
   * The whole command tree with {@code --help} on every command, {@code help} on every group, the
   * defaults of {@code ~/.cocaine/tools.yml} and errors reported with {@code codes}.
   */
  static CommandLine commandLine(ExitCodes codes) {
    CommandLine cli = new CommandLine(new Cocaine());
    withHelp(cli);
    ToolsConfig tools;
    IllegalArgumentException broken;
    try {
      tools = ToolsConfig.load(System.getenv());
      broken = null;
    } catch (IllegalArgumentException e) {
      tools = ToolsConfig.NONE;
      broken = e;
    }
    CommandLine.IDefaultValueProvider defaults = tools.defaults(System.getenv());
    // the original printed JSON: scripts written for cocaine-tool read it, so its launcher keeps --json on
    cli.setDefaultValueProvider(!codes.equals(ExitCodes.COCAINE_TOOL) ? defaults
        : arg -> arg instanceof CommandLine.Model.OptionSpec o && o.longestName().equals("--json") ? "true"
            : defaults.defaultValue(arg));
    IllegalArgumentException brokenTools = broken;
    cli.setExecutionStrategy(parsed -> execute(parsed, brokenTools, codes));
    cli.setParameterExceptionHandler((e, args) -> {
      CommandLine cmd = e.getCommandLine();
      PrintWriter err = cmd.getErr();
      err.println("cocaine: " + e.getMessage());
      CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
      err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for its options.");
      return codes.usage();
    });
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("cocaine: " + FailureReport.explain(e, cmd));
      return e instanceof IllegalArgumentException ? codes.badValue() : codes.failure();
    });
    return cli;
  }

  /**
   * Runs the parsed command. A group given without its command prints its usage, as {@code cocaine}
   * alone does. A broken tools.yml ({@code brokenTools}) stops the commands that talk to a runtime;
   * help, version and completion work without it.
   */
  private static int execute(CommandLine.ParseResult parsed, IllegalArgumentException brokenTools, ExitCodes codes) {
    List<CommandLine> chain = parsed.asCommandLineList();
    CommandLine last = chain.get(chain.size() - 1);
    Object command = last.getCommand();
    boolean group = !(command instanceof Runnable) && !(command instanceof Callable) && !last.getSubcommands().isEmpty();
    if (group || (brokenTools != null && last.getCommandSpec().mixins().containsKey("target"))) {
      Integer help = CommandLine.executeHelpRequest(parsed);
      if (help != null) {
        return help;
      }
      if (group) {
        last.usage(last.getOut());
        return 0;
      }
      last.getErr().println("cocaine: " + brokenTools.getMessage());
      return codes.badValue();
    }
    return new CommandLine.RunLast().execute(parsed);
  }

  private static void withHelp(CommandLine cli) {
    CommandLine.Model.CommandSpec spec = cli.getCommandSpec();
    if (spec.options().stream().noneMatch(CommandLine.Model.OptionSpec::usageHelp)) {
      spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
          .description("Show this help message and exit.").build());
    }
    if (!cli.getSubcommands().isEmpty() && !cli.getSubcommands().containsKey("help")) {
      cli.addSubcommand("help", new CommandLine.HelpCommand());
    }
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        withHelp(sub);
      }
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code cocaine version} (and {@code -v}/{@code --version}): this CLI's version. */
  @Command(name = "version", description = "Print the version.")
  static final class Version implements Runnable, CommandLine.IVersionProvider {
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public String[] getVersion() {
      return new String[] {"cocaine " + VERSION};
    }

    @Override
    public void run() {
      spec.commandLine().getOut().println(getVersion()[0]);
    }
  }

  /** {@code cocaine locate -n NAME}: endpoints, version and methods of a service. */
  @Command(name = "locate", description = "Resolve a service through the locator.")
  static final class Locate implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true, description = "service name") String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (Locator locator = target.locator()) {
        Locator.Resolved r = locator.resolve(name);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("endpoints", r.endpoints().stream().map(Object::toString).toList());
        out.put("version", r.version());
        Map<String, Object> methods = new LinkedHashMap<>();
        r.methods().forEach((id, m) -> methods.put(String.valueOf(id), m));
        out.put("methods", methods);
        HumanOutput.print(target, spec.commandLine().getOut(), out, "KEY");
      }
      return 0;
    }
  }

  /** {@code cocaine uuid}: the runtime's node id. */
  @Command(name = "uuid", description = "Print the uuid of the runtime behind the locator.")
  static final class Uuid implements Callable<Integer> {
    @Mixin Target target;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (Locator locator = target.locator()) {
        spec.commandLine().getOut().println(locator.uuid());
      }
      return 0;
    }
  }

  /** {@code cocaine storage read|write|remove|find}: the storage service, blob by blob. */
  @Command(name = "storage", description = "Read and write objects in the storage service.",
      subcommands = {StorageCommands.Read.class, StorageCommands.Write.class, StorageCommands.Remove.class,
          StorageCommands.Find.class})
  static final class StorageCommands {
    @Command(name = "read", description = "Print an object (stored msgpack as JSON; --raw for the bytes).")
    static final class Read implements Callable<Integer> {
      @Mixin Target target;
      @Parameters(index = "0", paramLabel = "COLLECTION") String collection;
      @Parameters(index = "1", paramLabel = "KEY") String key;
      @Option(names = "--raw", description = "write the stored bytes as they are") boolean raw;
      @Spec CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() throws IOException {
        try (StorageClient storage = target.storage()) {
          byte[] blob = storage.read(collection, key);
          if (raw) {
            System.out.write(blob);
            System.out.flush();
            return 0;
          }
          Object value;
          try {
            value = Printer.unpack(blob);
          } catch (RuntimeException notMsgpack) {
            value = new String(blob, StandardCharsets.UTF_8);
          }
          Printer.print(spec.commandLine().getOut(), value);
        }
        return 0;
      }
    }

    @Command(name = "write", description = "Store an object: VALUE as text, --file, or --pack-json to store JSON as msgpack.")
    static final class Write implements Callable<Integer> {
      @Mixin Target target;
      @Parameters(index = "0", paramLabel = "COLLECTION") String collection;
      @Parameters(index = "1", paramLabel = "KEY") String key;
      @Parameters(index = "2", paramLabel = "VALUE", arity = "0..1") String value;
      @Option(names = "--file", description = "take the bytes from this file") Path file;
      @Option(names = "--pack-json", description = "VALUE (or --file) is JSON; store it as msgpack") boolean asJson;
      @Option(names = {"-t", "--tag"}, description = "tag, repeatable") List<String> tags = List.of();

      @Override
      public Integer call() throws IOException {
        if ((value == null) == (file == null)) {
          throw new IllegalArgumentException("give either VALUE or --file");
        }
        byte[] blob = file != null ? Files.readAllBytes(file) : value.getBytes(StandardCharsets.UTF_8);
        if (asJson) {
          blob = Printer.pack(Printer.JSON.readValue(blob, Object.class));
        }
        try (StorageClient storage = target.storage()) {
          storage.write(collection, key, blob, tags);
        }
        return 0;
      }
    }

    @Command(name = "remove", description = "Remove an object (a missing one is fine).")
    static final class Remove implements Callable<Integer> {
      @Mixin Target target;
      @Parameters(index = "0", paramLabel = "COLLECTION") String collection;
      @Parameters(index = "1", paramLabel = "KEY") String key;

      @Override
      public Integer call() throws IOException {
        try (StorageClient storage = target.storage()) {
          storage.remove(collection, key);
        }
        return 0;
      }
    }

    @Command(name = "find", description = "List the keys that carry all the given tags.")
    static final class Find implements Callable<Integer> {
      @Mixin Target target;
      @Parameters(index = "0", paramLabel = "COLLECTION") String collection;
      @Parameters(index = "1..*", paramLabel = "TAG") List<String> tags = List.of();
      @Spec CommandLine.Model.CommandSpec spec;

      @Override
      public Integer call() throws IOException {
        try (StorageClient storage = target.storage()) {
          List<String> keys = storage.find(collection, tags);
          if (target.json) {
            Printer.print(spec.commandLine().getOut(), keys);
          } else {
            keys.forEach(spec.commandLine().getOut()::println);
          }
        }
        return 0;
      }
    }
  }

  /** {@code cocaine call APP EVENT [DATA]}: one enqueue, reply chunks streamed to stdout. */
  @Command(name = "call", description = "Enqueue EVENT on APP with DATA (or stdin for '-') and print the reply chunks.")
  static final class Call implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(index = "0", paramLabel = "APP") String app;
    @Parameters(index = "1", paramLabel = "EVENT") String event;
    @Parameters(index = "2", paramLabel = "DATA", arity = "0..1") String data;

    @Override
    public Integer call() throws IOException {
      try (ServiceClient service = target.service(app)) {
        ClientChannel channel = service.enqueue(event);
        if ("-".equals(data)) {
          InputStream in = System.in;
          byte[] buf = new byte[64 * 1024];
          for (int n; (n = in.read(buf)) > 0; ) {
            channel.write(java.util.Arrays.copyOf(buf, n));
          }
        } else if (data != null) {
          channel.write(data.getBytes(StandardCharsets.UTF_8));
        }
        channel.close();
        for (List<Value> chunk : channel.chunks(target.timeout)) {
          for (Value v : chunk) {
            System.out.write(v.isRawValue() ? Values.asBytes(v) : v.toJson().getBytes(StandardCharsets.UTF_8));
          }
          System.out.flush();
        }
        return 0;
      }
    }
  }

  static PrintWriter out(CommandLine.Model.CommandSpec spec) {
    return spec.commandLine().getOut();
  }
}
