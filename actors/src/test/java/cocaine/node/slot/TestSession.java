package cocaine.node.slot;

import cocaine.rpc.channel.Handoff;
import cocaine.wire.CocaineException;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * A session as a client opens it, for the engine's and the slot's unit tests: no client messages
 * after the event, and everything the client would receive collected.
 */
public final class TestSession {
  private static final AtomicLong IDS = new AtomicLong();

  public final Session session;
  private final CompletionStage<List<Message>> received;

  private TestSession(Session session, CompletionStage<List<Message>> received) {
    this.session = session;
    this.received = received;
  }

  /** An event whose request-timeout is {@code timeout} from now (as {@link System#nanoTime()} counts it). */
  public static TestSession open(ActorSystem<?> system, String event, Duration timeout) {
    SessionUpstream upstream = new SessionUpstream(16, () -> {});
    long now = System.nanoTime();
    Handoff.Feed<Message> rest = new Handoff.Feed<>(1, () -> {}, cause -> {});
    rest.complete();
    Session session = new Session(IDS.incrementAndGet(), event, List.of(), rest, upstream, now, now + timeout.toNanos(),
        SessionTrace.NONE);
    return new TestSession(session, upstream.source().runWith(Sink.seq(), system));
  }

  /** An event that will not expire during a test. */
  public static TestSession open(ActorSystem<?> system, String event) {
    return open(system, event, Duration.ofHours(1));
  }

  public boolean isFinished() {
    return session.isFinished();
  }

  /** Everything the client received, once its side ended; fails the test after 5 s. */
  public List<Message> received() {
    try {
      return received.toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(session + " did not end within 5 s", e);
    }
  }

  /** The error that ended the session; fails the test when it ended otherwise. */
  public CocaineException error() {
    List<Message> messages = received();
    Message last = messages.get(messages.size() - 1);
    if (last.type() != Graph.ERROR || messages.size() != 1) {
      throw new AssertionError(session + " expected one error, got " + messages);
    }
    return last.toException();
  }
}
