package cocaine.node.app;

import cocaine.model.Manifest;
import cocaine.node.engine.Engine;
import cocaine.node.slot.Session;
import cocaine.node.slot.SessionTrace;
import cocaine.node.slot.SessionUpstream;
import cocaine.rpc.channel.Handoff;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The event a new version of an app must answer without error before it takes traffic, from the
 * manifest's {@code "health": {"event": "ping", "timeout": 5}} (timeout in seconds, 5 when absent),
 * and its probe through a new version's engine.
 */
record HealthCheck(String event, Duration timeout) {
  static final String KEY = "health";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The manifest's health check; empty when it names none.
   *
   * @throws CocaineException {@code [12, 22]} naming the field when it is not as above
   */
  static Optional<HealthCheck> of(String app, Manifest manifest) {
    Object v = manifest.extra().get(KEY);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof Map<?, ?> map) || !(map.get("event") instanceof String event) || event.isEmpty()) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': manifest field 'health' must be"
          + " {\"event\": NAME, \"timeout\": SECONDS}, got " + v);
    }
    Object t = map.get("timeout");
    if (t != null && (!(t instanceof Number n) || n.doubleValue() <= 0)) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': manifest field 'health.timeout' must be a"
          + " positive number of seconds, got " + t);
    }
    Duration timeout = t == null ? DEFAULT_TIMEOUT : Duration.ofMillis(Math.round(((Number) t).doubleValue() * 1000));
    return Optional.of(new HealthCheck(event, timeout));
  }

  /**
   * Sends the health event through {@code engine} as a client's enqueue would go (no body, its side
   * closed at once); completes once it answered without error, fails when it answered with one or
   * not within {@link #timeout}.
   */
  CompletionStage<Done> probe(ActorRef<Engine.Command> engine, int channelBuffer, ActorSystem<?> system) {
    long now = System.nanoTime();
    var upstream = new SessionUpstream(channelBuffer, () -> {});
    Handoff.Feed<Message> rest = new Handoff.Feed<>(2, () -> {}, cause -> {});
    rest.offer(Message.close()); // a client that sends nothing and closes its side, as a health check does
    rest.complete();
    engine.tell(new Engine.Enqueue(new Session(AppService.nextSessionId(), event, List.of(), rest, upstream,
        now, now + timeout.toNanos(), SessionTrace.NONE)));
    return upstream.source().runWith(Sink.seq(), system)
        .toCompletableFuture()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((messages, e) -> {
          Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
          if (cause instanceof TimeoutException) {
            throw new CocaineException(ErrorCode.TIMEOUT, "did not answer within " + timeout);
          }
          if (cause != null) {
            throw new CocaineException(ErrorCode.UNCAUGHT, "failed: " + AppErrors.asCocaine(cause).getMessage());
          }
          for (Message msg : messages) {
            if (msg.type() == Graph.ERROR) {
              throw new CocaineException(ErrorCode.UNCAUGHT, "answered with an error: " + msg.args());
            }
          }
          return Done.getInstance();
        });
  }
}
