package cocaine.node.app;

import cocaine.node.engine.Engine;
import cocaine.node.isolate.Isolate;
import cocaine.node.slot.WorkerListener;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one app holds on this node and how it gives it back: its spooled parts, its engine with the
 * invocation service over it and the kill switch of the service's connections, then the service's
 * binding. A part not acquired yet is null. Immutable; the app's start replaces it as it acquires more.
 */
record Holdings(Spooled spooled, ActorRef<Engine.Command> engine, AppService service, SharedKillSwitch connections,
    Tcp.ServerBinding binding) {
  /** Added to terminate-timeout for the engine's stop: the engine's own waits come first. */
  static final Duration ENGINE_STOP_MARGIN = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(App.class); // the app's own log lines

  /** Only what spooling reached. */
  static Holdings spooled(Spooled spooled) {
    return new Holdings(spooled, null, null, null, null);
  }

  Holdings withBinding(Tcp.ServerBinding bound) {
    return new Holdings(spooled, engine, service, connections, bound);
  }

  /** The engine died: there is nothing to ask to stop. */
  Holdings withoutEngine() {
    return new Holdings(spooled, null, service, connections, binding);
  }

  /**
   * Gives everything back in reverse order: unpublishes ({@code published} only; then runs
   * {@code withdrawn}), unbinds, terminates
   * the workers, then closes the clients' connections, the worker pipe and the isolate. Completes
   * when done, whatever failed; failures are logged with {@code app}.
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
    if (engine != null) {
      ActorRef<Engine.Command> running = engine;
      Duration limit = spooled.profile().timeouts().terminate().plus(ENGINE_STOP_MARGIN);
      chain = chain.thenCompose(d -> quietly(AskPattern.<Engine.Command, Done>ask(running, Engine.Stop::new, limit,
          scheduler), app, "terminate the workers"));
    }
    SharedKillSwitch clients = connections;
    WorkerListener pipe = spooled.pipe();
    Isolate isolate = spooled.isolate();
    return chain.thenApply(d -> {
      // after the workers: sessions still running finished or were ended by the engine's stop
      if (clients != null) {
        clients.shutdown();
      }
      if (pipe != null) {
        pipe.close();
      }
      if (isolate != null) {
        isolate.close();
      }
      return Done.getInstance();
    });
  }

  private static CompletionStage<Done> quietly(CompletionStage<Done> step, String app, String what) {
    return step.handle((d, e) -> {
      if (e != null) {
        LOG.warn("app [{}]: cannot {}: {}", app, what, App.asCocaine(e).getMessage());
      }
      return Done.getInstance();
    });
  }
}
