package cocaine.rpc.channel;

import java.util.ArrayDeque;
import java.util.List;
import org.apache.pekko.stream.SubscriptionWithCancelException;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.InHandler;

/**
 * Reads a {@link Handoff.Feed} from inside another stage, with no stream materialized for it: the
 * producer's elements come to the owning stage through one {@link AsyncCallback} the stage shares
 * among all its feed inlets ({@link #dispatch}). Materializing a sub-stream per channel (a new
 * interpreter shell, its registration and its logger) cost more than the rest of a request.
 * Holds at most the feed's window. Used on the owning stage's thread only.
 */
public final class FeedInlet<T> implements ChannelInlet<T> {
  private final Handoff.Feed<T> feed;
  private final AsyncCallback<Object> owner;
  private final ArrayDeque<T> buffer = new ArrayDeque<>(4);
  private InHandler handler;
  private T current;
  private boolean pulled;
  private boolean completing;
  private boolean closed;

  /** The owning stage's event: this inlet's feed has events to {@link Handoff.Feed#drain}. */
  private record Signal(FeedInlet<?> inlet) {}

  /**
   * @param owner the owning stage's callback that calls {@link #dispatch}
   */
  public FeedInlet(Handoff.Feed<T> feed, AsyncCallback<Object> owner) {
    this.feed = feed;
    this.owner = owner;
  }

  /** What the owning stage's shared callback does with each event. */
  public static void dispatch(Object signal) {
    ((Signal) signal).inlet().drain();
  }

  /** Cancels a feed nobody will read, as a cancelled source would. */
  public static void cancel(Handoff.Feed<?> feed) {
    feed.attach(() -> {});
    feed.consumerCancelled(SubscriptionWithCancelException.NoMoreElementsNeeded$.MODULE$);
    feed.consumerStopped();
  }

  @Override
  public void setHandler(InHandler handler) {
    this.handler = handler;
  }

  /** Starts taking the feed's events; the handler must be set. */
  public void attach() {
    Signal signal = new Signal(this);
    for (Object e : feed.attach(() -> owner.invoke(signal))) {
      onEvent(e);
    }
  }

  private void drain() {
    for (Object e : feed.drain()) {
      onEvent(e);
    }
  }

  @SuppressWarnings("unchecked")
  private void onEvent(Object event) {
    if (closed) {
      return;
    }
    if (event instanceof Handoff.Failure f) {
      closed = true;
      buffer.clear();
      feed.consumerStopped();
      try {
        handler.onUpstreamFailure(f.cause());
      } catch (Exception e) {
        throw FeedInlet.<RuntimeException>rethrow(e);
      }
      return;
    }
    if (event == Handoff.Completion.INSTANCE) {
      completing = true;
    } else {
      buffer.add((T) event);
    }
    deliver();
  }

  private void deliver() {
    if (pulled && !buffer.isEmpty()) {
      pulled = false;
      current = buffer.poll();
      feed.taken();
      try {
        handler.onPush();
      } catch (Exception e) {
        throw FeedInlet.<RuntimeException>rethrow(e);
      }
    }
    if (completing && buffer.isEmpty() && !closed) {
      closed = true;
      feed.consumerStopped();
      try {
        handler.onUpstreamFinish();
      } catch (Exception e) {
        throw FeedInlet.<RuntimeException>rethrow(e);
      }
    }
  }

  @Override
  public void pull() {
    if (closed || pulled) {
      return;
    }
    pulled = true;
    deliver();
  }

  @Override
  public T grab() {
    T element = current;
    current = null;
    return element;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public boolean hasBeenPulled() {
    return pulled;
  }

  @Override
  public void cancel() {
    cancel(SubscriptionWithCancelException.NoMoreElementsNeeded$.MODULE$);
  }

  /** Stops reading: the producer hears {@code cause}, then that the consumer stopped. */
  public void cancel(Throwable cause) {
    if (closed) {
      return;
    }
    closed = true;
    buffer.clear();
    feed.consumerCancelled(cause);
    feed.consumerStopped();
  }

  /** The owning stage stopped without cancelling: the producer hears only that the consumer stopped. */
  public void detach() {
    if (closed) {
      return;
    }
    closed = true;
    buffer.clear();
    feed.consumerStopped();
  }

  /** Lets a handler's exception reach the owning stage's interpreter as it is, as Pekko's inlets do. */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable t) throws E {
    throw (E) t;
  }
}
