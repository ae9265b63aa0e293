package cocaine.node.app;

import cocaine.locator.Endpoint;
import cocaine.locator.ServiceInfo;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one app holds on this node and how it gives it back: its generations (each a version with
 * its engine, pipe and isolate), the traffic between them and the invocation service over it, the
 * kill switch of the service's connections, then the service's binding. A part not acquired yet is
 * null. Immutable; the app replaces it as it acquires more.
 */
record Holdings(Generations gens, Traffic traffic, AppService service, SharedKillSwitch connections,
    Tcp.ServerBinding binding) {
  /** Added to terminate-timeout for a generation's stop: the engine's own waits come first. */
  static final Duration ENGINE_STOP_MARGIN = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(App.class); // the app's own log lines

  /** Only generations being spooled. */
  static Holdings of(Generations gens) {
    return new Holdings(gens, null, null, null, null);
  }

  Holdings with(Generations next) {
    return new Holdings(next, traffic, service, connections, binding);
  }

  Holdings serving(Traffic t, AppService s, SharedKillSwitch c) {
    return new Holdings(gens, t, s, c, binding);
  }

  /** The app's service as the locator announces it: its bound port at {@code announceHost}. */
  ServiceInfo serviceInfo(String app, String announceHost) {
    return new ServiceInfo(app, List.of(new Endpoint(announceHost, binding.localAddress().getPort())),
        App.SERVICE_VERSION, AppService.PROTOCOL);
  }

  Holdings withBinding(Tcp.ServerBinding bound) {
    return new Holdings(gens, traffic, service, connections, bound);
  }

  /** What the app's info shows of its files: the primary generation's (or the first's while starting). */
  Spooled spooled() {
    return gens.primary().or(() -> gens.all().stream().findFirst()).map(Generations.Live::spooled)
        .orElse(Spooled.NONE);
  }

  /**
   * Gives everything back in reverse order: unpublishes ({@code published} only; then runs
   * {@code withdrawn}), unbinds, stops every generation (its workers, pipe and isolate) without
   * draining, then closes the clients' connections. Completes when done, whatever failed; failures
   * are logged with {@code app}.
   */
  CompletionStage<Done> release(Publisher publisher, String app, boolean published, Runnable withdrawn,
      Scheduler scheduler) {
    CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
    if (published) {
      chain = quietly(publisher.unpublish(app), app, "unpublish");
    }
    chain = chain.thenApply(d -> {
      withdrawn.run();
      return d;
    });
    if (binding != null) {
      Tcp.ServerBinding bound = binding;
      chain = chain.thenCompose(d -> quietly(bound.unbind().thenApply(x -> Done.getInstance()), app, "unbind"));
    }
    for (Generations.Live live : gens.all()) {
      Duration limit = live.spooled().profile() == null ? ENGINE_STOP_MARGIN.multipliedBy(2)
          : live.spooled().profile().timeouts().terminate().plus(ENGINE_STOP_MARGIN);
      chain = chain.thenCompose(d -> quietly(AskPattern.<Generation.Command, Done>ask(live.ref(),
          r -> new Generation.Retire(r, false, false), limit, scheduler), app, "terminate the workers"));
    }
    SharedKillSwitch clients = connections;
    return chain.thenApply(d -> {
      // after the workers: sessions still running finished or were ended by the engines' stop
      if (clients != null) {
        clients.shutdown();
      }
      return Done.getInstance();
    });
  }

  private static CompletionStage<Done> quietly(CompletionStage<Done> step, String app, String what) {
    return step.handle((d, e) -> {
      if (e != null) {
        LOG.warn("app [{}]: cannot {}: {}", app, what, AppErrors.asCocaine(e).getMessage());
      }
      return Done.getInstance();
    });
  }
}
