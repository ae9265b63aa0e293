package cocaine.runtime;

import cocaine.cache.Cache;
import cocaine.cache.CacheService;
import cocaine.chrono.Chrono;
import cocaine.chrono.ChronoService;
import cocaine.config.ServicesSettings;
import cocaine.config.Settings;
import cocaine.metrics.MetricsService;
import cocaine.metrics.RuntimeMeters;
import cocaine.node.app.RunningApps;
import cocaine.rpc.service.Service;
import cocaine.uniresis.UniresisService;
import cocaine.urlfetch.UrlfetchService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The small services of the original platform a node publishes beside storage and logging, each
 * as {@code cocaine.services} enables it: urlfetch, chrono, cache, metrics and uniresis.
 */
final class SmallServices {
  private SmallServices() {}

  /** Starts the actors of the enabled services; returns the services to bind and publish. */
  static List<Service> start(ActorContext<?> ctx, Settings settings, RunningApps running, Duration askTimeout) {
    ServicesSettings s = ServicesSettings.from(settings.config());
    List<Service> out = new ArrayList<>();
    if (s.urlfetch().enabled()) {
      out.add(new UrlfetchService(s.urlfetch()));
    }
    if (s.chrono().enabled()) {
      var chrono = ctx.spawn(Behaviors.supervise(Chrono.create(s.chrono().maxTimersPerConnection()))
          .onFailure(SupervisorStrategy.resume()), "chrono");
      out.add(new ChronoService(ctx.getSystem(), chrono, s.chrono().minInterval(), askTimeout));
    }
    if (s.cache().enabled()) {
      var cache = ctx.spawn(Behaviors.supervise(Cache.create(s.cache().maxBytes()))
          .onFailure(SupervisorStrategy.resume()), "cache");
      out.add(new CacheService(ctx.getSystem(), cache, askTimeout));
    }
    if (s.metrics()) {
      out.add(new MetricsService(RuntimeMeters.bind(new SimpleMeterRegistry(), running::count)));
    }
    if (s.uniresis().enabled()) {
      out.add(UniresisService.of(s.uniresis().cpuCount(), s.uniresis().stateDir()));
    }
    return out;
  }
}
