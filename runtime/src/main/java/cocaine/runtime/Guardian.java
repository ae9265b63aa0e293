package cocaine.runtime;

import cocaine.config.Role;
import cocaine.config.Settings;
import cocaine.config.SettingsException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The root of the actor tree: starts the roles this process plays and stops the process with a
 * clear message when one of them cannot start (a port in use, an unreadable directory).
 */
public final class Guardian {
  public sealed interface Command {}

  /** A role finished starting; {@code listening} says where, for the log. */
  record Started(String role, String listening) implements Command {}

  /** The node's services are published and then its locator's port opened: it announces itself. */
  record LocatorBound(Settings settings, java.util.List<cocaine.locator.Endpoint> endpoints, String listening,
      org.apache.pekko.actor.typed.ActorRef<cocaine.locator.Locator.Command> locator) implements Command {}

  /** An optional role (the builder next to others) cannot work here: it stays off, the rest runs. */
  record Off(String role, String reason) implements Command {}

  /** A role could not start: the process stops with exit code 1. */
  record Failed(String role, Throwable cause) implements Command {}

  private static final AtomicInteger EXIT_CODE = new AtomicInteger();

  private final ActorContext<Command> ctx;

  private Guardian(ActorContext<Command> ctx) {
    this.ctx = ctx;
  }

  public static Behavior<Command> create(Settings settings) {
    return Behaviors.setup(ctx -> {
      Guardian guardian = new Guardian(ctx);
      ctx.getLog().info("cocaine runtime {} starting roles {}", settings.uuid(), settings.roles());
      TracingSetup.start(ctx.getSystem(), settings);
      if (settings.plays(Role.NODE)) {
        NodeRole.start(ctx, settings);
        if (!settings.plays(Role.PROXY)) {
          NodeRole.startAdmin(ctx.getSystem(), settings);
        }
      }
      if (settings.plays(Role.BALANCER) && !settings.plays(Role.NODE)) {
        BalancerRole.start(ctx, settings);
      }
      if (settings.plays(Role.PROXY)) {
        ProxyRole.start(ctx, settings);
      }
      if (settings.plays(Role.BUILDER)) {
        try {
          BuilderRole.start(ctx, settings);
        } catch (SettingsException e) {
          ctx.getSelf().tell(new Failed(Role.BUILDER.configName(), e));
        }
      }
      return guardian.running();
    });
  }

  static int exitCode() {
    return EXIT_CODE.get();
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(Started.class, this::onStarted)
        .onMessage(Failed.class, this::onFailed)
        .onMessage(Off.class, m -> {
          ctx.getLog().warn("role {} is off: {}", m.role(), m.reason());
          return Behaviors.same();
        })
        .onMessage(LocatorBound.class, this::onLocatorBound)
        .build();
  }

  private Behavior<Command> onStarted(Started m) {
    ctx.getLog().info("role {} ready: {}", m.role(), m.listening());
    return Behaviors.same();
  }

  private Behavior<Command> onLocatorBound(LocatorBound m) {
    return onStarted(NodeRole.announce(ctx, m.settings(), m.endpoints(), m.listening(), m.locator()));
  }

  private Behavior<Command> onFailed(Failed m) {
    Throwable cause = m.cause();
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    ctx.getLog().error("role {} failed to start: {}", m.role(), cause.getMessage() != null ? cause.getMessage() : cause);
    EXIT_CODE.set(1);
    ctx.getSystem().terminate();
    return Behaviors.same();
  }
}
