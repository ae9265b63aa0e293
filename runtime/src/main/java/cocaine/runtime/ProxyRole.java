package cocaine.runtime;

import cocaine.admin.AdminApi;
import cocaine.admin.ProxyMetrics;
import cocaine.config.Settings;
import cocaine.proxy.HttpProxy;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Starts the proxy role: the HTTP front end and the admin API (metrics, info), each over HTTP and/or HTTPS. */
final class ProxyRole {
  private static final Duration DRAIN = Duration.ofSeconds(10);

  private ProxyRole() {}

  static void start(ActorContext<Guardian.Command> ctx, Settings settings) {
    var system = ctx.getSystem();
    ProxyMetrics metrics = ProxyMetrics.create();
    CompletionStage<String> started = HttpProxy.start(system, settings, metrics).thenCompose(proxy -> {
      CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "stop-http-proxy",
          () -> proxy.listeners().terminate(DRAIN));
      return AdminApi.start(system, settings, metrics).thenApply(admin ->
          "proxy=[" + proxy.listeners() + "] admin=[" + admin + "]");
    });
    ctx.pipeToSelf(started, (listening, failure) -> failure == null
        ? new Guardian.Started("proxy", listening) : new Guardian.Failed("proxy", failure));
  }
}
