package cocaine.cli;

import cocaine.config.OriginalConfig;
import cocaine.config.Settings;
import cocaine.config.SettingsException;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cocaine config ...}: moving an original runtime's configuration over. */
@Command(name = "config", description = "Work with runtime configurations.",
    subcommands = {ConfigCommands.Import.class})
final class ConfigCommands {
  private ConfigCommands() {}

  @Command(name = "import", description = {"Turn an original runtime's JSON config (version 4 or 3) into this "
      + "runtime's HOCON, for --config. Keys with no equivalent are listed on stderr (and as comments)."})
  static final class Import implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the original JSON config, e.g. /etc/cocaine/cocaine.conf")
    Path file;
    @Option(names = {"-o", "--output"}, description = "write the HOCON here instead of stdout") Path output;
    @Option(names = "--role", defaultValue = "all", description = "the role the result is checked with (default all)")
    String role;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      OriginalConfig.Imported imported = OriginalConfig.fromJson(Files.readString(file, StandardCharsets.UTF_8));
      try {
        // what is written must start a runtime: checked by the same loader
        Settings.load(role, ConfigFactory.parseString(imported.hocon()));
      } catch (SettingsException e) {
        throw new SettingsException("the imported config of " + file + " does not load: " + e.getMessage(), e);
      }
      PrintWriter err = spec.commandLine().getErr();
      imported.mapped().forEach(m -> err.println("mapped: " + m));
      imported.unmapped().forEach(u -> err.println("no equivalent: " + u));
      if (output != null) {
        Files.writeString(output, imported.hocon(), StandardCharsets.UTF_8);
        err.println("written to " + output + " (" + imported.mapped().size() + " keys mapped, "
            + imported.unmapped().size() + " without equivalent)");
      } else {
        spec.commandLine().getOut().print(imported.hocon());
      }
      err.flush();
      return 0;
    }
  }
}
