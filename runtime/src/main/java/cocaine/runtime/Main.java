package cocaine.runtime;

import cocaine.cluster.AnnounceKey;
import cocaine.config.Settings;
import cocaine.config.SettingsException;
import cocaine.rpc.transport.InProcess;
import cocaine.rpc.transport.WireBudget;
import cocaine.security.AccessToken;
import cocaine.tls.HttpsSettings;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/cocaine-runtime}: reads the role's settings and runs the roles' guardians until the
 * process is told to stop (SIGTERM/SIGINT run a coordinated shutdown). Exit codes: 0 stopped, 1 a
 * role failed to start, 2 bad settings.
 */
@Command(name = "cocaine-runtime", mixinStandardHelpOptions = true, version = "cocaine-runtime 0.1.0",
    description = "Run the Cocaine runtime with the services of one or more roles.")
public final class Main implements Callable<Integer> {
  @Option(names = "--role", required = true,
      description = "node, balancer, proxy, builder or all (every role with embedded defaults)")
  String role;

  @Option(names = "--config", description = "HOCON file layered over the role's defaults")
  Path config;

  public static void main(String[] args) {
    // Pekko's Java futures run plain callbacks on the common pool; with its default parallelism of
    // cores - 1 (1 on a 2-core machine) the JDK starts a new thread per callback instead.
    if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
      System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
          String.valueOf(Math.max(4, Runtime.getRuntime().availableProcessors())));
    }
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() {
    Settings settings;
    try {
      settings = Settings.load(role, Optional.ofNullable(config));
      AccessToken.from(settings.config()); // an unreadable token file stops start-up here, not in a role
      AnnounceKey.from(settings.config()); // so does an unreadable or too short cluster key
      HttpsSettings.from(settings.config(), "cocaine.proxy"); // and HTTPS settings that do not go together
      HttpsSettings.from(settings.config(), "cocaine.admin");
      // before any connection is made
      WireBudget.useForProcess(settings.network().wireBudgetBytes(), settings.network().messageBudgetBytes());
      InProcess.useForProcess(settings.network().inProcess());
    } catch (SettingsException e) {
      System.err.println("cocaine-runtime: " + e.getMessage());
      return 2;
    }
    ActorSystem<Guardian.Command> system = ActorSystem.create(Guardian.create(settings), "cocaine", settings.config());
    system.getWhenTerminated().toCompletableFuture().join();
    return Guardian.exitCode();
  }
}
