package cocaine.cli;

import cocaine.deploy.DeployFailed;
import cocaine.deploy.DeployTarget;
import cocaine.deploy.Deployment;
import cocaine.deploy.DirectorySource;
import cocaine.node.isolate.docker.DockerOptions;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine app deploy PATH}: the builder's pipeline without git: build PATH's Dockerfile, push
 * {@code <registry>/<app>:<version>}, store manifest and profile (from PATH/cocaine.json or defaults),
 * release the version to the cluster's desired state and wait until the nodes run it, one progress
 * line per step.
 */
@Command(name = "deploy", description = "Build PATH's Dockerfile, push the image, release the version to every node"
    + " and wait until it runs: the builder's git-push pipeline from a directory.")
final class AppDeployCommand implements Callable<Integer> {
  private static final DateTimeFormatter VERSION = DateTimeFormatter.ofPattern("'d'yyyyMMdd-HHmmss");

  @Mixin Target target;
  @Parameters(index = "0", paramLabel = "PATH", description = "app directory with a Dockerfile (and cocaine.json)")
  Path path;
  @Option(names = {"-n", "--name"}, description = "app name (default: PATH's directory name)") String name;
  @Option(names = "--version", description = "image tag (default: d<UTC date>-<time>)") String version;
  @Option(names = "--registry", defaultValue = "127.0.0.1:5000",
      description = "registry host[:port] the nodes pull from (default: ${DEFAULT-VALUE})") String registry;
  @Option(names = "--docker", defaultValue = DockerOptions.DEFAULT_ENDPOINT,
      description = "Docker daemon that builds (default: ${DEFAULT-VALUE})") String docker;
  @Option(names = "--start-timeout", defaultValue = "5m", converter = DurationConverter.class,
      description = "longest wait for the nodes to run the new version; past it the previous one is the desired one"
          + " again (default: ${DEFAULT-VALUE})") Duration startTimeout;
  @Option(names = "--node-gone", defaultValue = "15s", converter = DurationConverter.class,
      description = "a node whose report is older than this is not waited for (default: ${DEFAULT-VALUE})")
  Duration nodeGone;
  @Option(names = "--build-timeout", defaultValue = "10m", converter = DurationConverter.class,
      description = "longest build, and longest push (default: ${DEFAULT-VALUE})") Duration buildTimeout;
  @Option(names = "--canary", paramLabel = "PERCENT", description = "run the new version beside the current one at"
      + " PERCENT (1..99) of the new channels on every node, until 'cocaine app promote NAME' or 'rollback'")
  int canary;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (!Files.isDirectory(path)) {
      throw new IllegalArgumentException("'" + path + "' is not a directory");
    }
    Path dir = path.toAbsolutePath().normalize();
    String app = name != null ? name : dir.getFileName().toString();
    String tag = version != null ? version : VERSION.format(ZonedDateTime.now(ZoneOffset.UTC));
    PrintWriter out = spec.commandLine().getOut();
    DeployTarget to = new DeployTarget(docker, registry, target.host, target.port, target.timeout,
        buildTimeout, startTimeout, nodeGone, target.callerToken());
    try {
      ProgressLines lines = new ProgressLines(out, Terminal.detect());
      Deployment.Deployed d;
      try {
        d = Deployment.run(to, app, tag, new DirectorySource(dir), lines, target.callerToken().fingerprint(), canary);
      } finally {
        lines.finish();
      }
      out.printf("deployed '%s' version %s as %s in %.1f s%n", app, tag, d.image(), d.took().toMillis() / 1000.0);
      return 0;
    } catch (DeployFailed e) {
      throw new CocaineException(ErrorCode.IO_ERROR, "deploy of '" + app + "' failed at step " + e.step() + ": " + e.reason()
          + "; the previous version keeps running");
    }
  }
}
