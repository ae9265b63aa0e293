package cocaine.locator;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;

/**
 * One {@code connect} or {@code routing} caller of the {@link Locator} (its child): feeds the
 * caller's stream from a queue of at most {@code subscription-buffer} messages. A caller that lets
 * the queue fill up is failed with {@code [12, 105]} rather than buffered without bound; a caller
 * that goes away (stream cancelled) stops this actor.
 */
final class Subscription {
  sealed interface Command {}

  /** One more write for the caller. */
  record Push(Message message) implements Command {}

  private enum Finished implements Command { INSTANCE }

  private final ActorContext<Command> ctx;
  private final String who;
  private final BoundedSourceQueue<Message> queue;
  private final int buffer;

  private Subscription(ActorContext<Command> ctx, String who, BoundedSourceQueue<Message> queue, int buffer) {
    this.ctx = ctx;
    this.who = who;
    this.queue = queue;
    this.buffer = buffer;
  }

  /**
   * @param who the caller, for errors and logs ("connect from node 3f1c")
   * @param finished completes when the caller's stream ends (cancelled or failed)
   * @param first the snapshot the caller gets before any update
   */
  static Behavior<Command> create(String who, BoundedSourceQueue<Message> queue, CompletionStage<Done> finished,
      int buffer, Message first) {
    return Behaviors.setup(ctx -> {
      ctx.pipeToSelf(finished, (done, failure) -> Finished.INSTANCE);
      Subscription s = new Subscription(ctx, who, queue, buffer);
      return s.offer(first) ? s.feeding() : Behaviors.stopped();
    });
  }

  private Behavior<Command> feeding() {
    return Behaviors.receive(Command.class)
        .onMessage(Push.class, m -> offer(m.message()) ? Behaviors.same() : Behaviors.stopped())
        .onMessageEquals(Finished.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, s -> complete())
        .build();
  }

  /** False when this subscription is over: the caller left, or was too slow and is failed now. */
  private boolean offer(Message message) {
    QueueOfferResult result = queue.offer(message);
    if (result.isEnqueued()) {
      return true;
    }
    if (result == QueueOfferResult.dropped()) {
      String text = who + " is too slow: it left subscription-buffer (" + buffer + ") updates untaken; subscribe again";
      ctx.getLog().warn("locator: {}", text);
      queue.fail(new CocaineException(ErrorCode.NO_BUFFERS, text));
    }
    return false;
  }

  private Behavior<Command> complete() {
    // the locator is stopping (or the caller is gone already): end the stream
    if (!queue.isCompleted()) {
      try {
        queue.complete();
      } catch (IllegalStateException e) {
        // the stream ended between the check and complete(): nothing left to end
      }
    }
    return Behaviors.same();
  }
}
