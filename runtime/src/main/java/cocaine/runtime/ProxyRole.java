package cocaine.runtime;

import cocaine.config.Settings;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Starts the proxy role: the HTTP front end and the admin API. */
final class ProxyRole {
  private ProxyRole() {}

  static void start(ActorContext<Guardian.Command> ctx, Settings settings) {
    ctx.getLog().info("proxy role: the HTTP proxy is not wired in yet");
  }
}
