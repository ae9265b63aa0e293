package cocaine.runtime;

import cocaine.builder.GitServer;
import cocaine.config.BuilderSettings;
import cocaine.config.Role;
import cocaine.config.Settings;
import cocaine.deploy.CallerToken;
import cocaine.deploy.DeployTarget;
import cocaine.deploy.DockerDaemon;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Starts the builder role: the SSH git server whose pushes deploy. Played with other roles (such as
 * {@code --role all} on a laptop without Docker), a builder that cannot work (no daemon, no
 * authorized_keys, port taken) says why in one line and stays off while the other roles run.
 */
final class BuilderRole {
  private BuilderRole() {}

  static void start(ActorContext<Guardian.Command> ctx, Settings settings) {
    var system = ctx.getSystem();
    boolean optional = settings.roles().size() > 1;
    BuilderSettings builder = BuilderSettings.from(settings);
    // the cluster's token from this process's own cocaine.security: a builder on a node's install needs nothing more
    DeployTarget target = new DeployTarget(builder.dockerEndpoint(), builder.registry(), builder.locatorHost(),
        builder.locatorPort(), builder.callTimeout(), builder.buildTimeout(), builder.startTimeout(), builder.nodeGone(),
        CallerToken.from(settings.config()));
    // the daemon's ping and the key generation block: off the actor's thread
    CompletableFuture<GitServer> started = CompletableFuture.supplyAsync(() -> {
      if (!Files.isReadable(builder.authorizedKeys())) {
        throw new IllegalStateException("no authorized_keys file at " + builder.authorizedKeys()
            + " (cocaine.builder.authorized-keys): no key could push");
      }
      DockerDaemon.connect(builder.dockerEndpoint()).close();
      try {
        return GitServer.start(builder, target);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e.getMessage(), e);
      }
    });
    ctx.pipeToSelf(started, (server, failure) -> {
      if (failure == null) {
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "stop-builder", () -> {
          server.close();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
        return new Guardian.Started(Role.BUILDER.configName(), "ssh://" + GitServer.USER + "@" + builder.host() + ":"
            + server.port() + "/APP.git -> registry " + builder.registry() + ", locator " + builder.locatorHost() + ":"
            + builder.locatorPort());
      }
      Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      return optional ? new Guardian.Off(Role.BUILDER.configName(), cause.getMessage())
          : new Guardian.Failed(Role.BUILDER.configName(), cause);
    });
  }
}
