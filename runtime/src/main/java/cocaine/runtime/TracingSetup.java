package cocaine.runtime;

import cocaine.config.Settings;
import cocaine.tracing.Tracing;
import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Configures this process's span recorder from {@code cocaine.tracing} before any role starts. */
final class TracingSetup {
  private static final Logger log = LoggerFactory.getLogger(TracingSetup.class);

  private TracingSetup() {}

  static void start(ActorSystem<?> system, Settings settings) {
    Config c = settings.config().getConfig("cocaine.tracing");
    int buffer = c.getInt("buffer");
    if (buffer < 1) {
      throw new IllegalArgumentException("cocaine.tracing.buffer must be at least 1, got " + buffer);
    }
    String node = settings.network().hostname() + "/" + settings.uuid().substring(0, Math.min(8, settings.uuid().length()));
    Tracing tracing = Tracing.configure(c.getBoolean("enabled"), buffer, node);
    log.info("tracing {} (node {}, {} spans kept)", tracing.enabled() ? "on" : "off", node, buffer);
    String endpoint = c.getString("otlp.endpoint").trim();
    if (tracing.enabled() && !endpoint.isEmpty()) {
      int queue = c.getInt("otlp.queue");
      if (queue < 1) {
        throw new IllegalArgumentException("cocaine.tracing.otlp.queue must be at least 1, got " + queue);
      }
      OtlpExport.start(system, tracing, endpoint, queue);
    }
  }
}
