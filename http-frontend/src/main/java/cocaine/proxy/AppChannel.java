package cocaine.proxy;

import cocaine.rpc.channel.ClientConnection;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.pekko.stream.stage.AsyncCallback;
import scala.concurrent.ExecutionContextExecutor;

/**
 * One attempt's app channel for an app that takes its request whole, with no stream of its own:
 * the request chunk goes out when it opens, the app's replies come in on the connection's own
 * stream ({@link ClientConnection.Replies}). Once the first reply is in, {@link #first} completes
 * on the dispatcher with what came so far: usually the whole answer (head, body, {@code close}),
 * which becomes a strict response at once; a longer answer is read on through {@link ReplySource},
 * with credit for each reply taken. The request side is held open until the exchange ends
 * ({@code close}) or is cut short ({@code error}), so the app hears of a client that left or a
 * timeout ({@code cancel-on-disconnect}); without it, {@code close} follows the chunk at once.
 * Thread-safe: replies arrive on the connection's thread, the rest on dispatcher threads.
 */
final class AppChannel implements ClientConnection.Replies {
  /** What this does to its channel: {@link ClientConnection.DirectChannel}'s calls (a seam for tests). */
  interface Wire {
    void send(Message message);

    void credit();

    void close();
  }

  /** What had come when the first reply was taken. */
  record First(List<Message> messages, boolean ended, Throwable failure) {}

  private final Executor dispatcher;
  private final CompletableFuture<First> first = new CompletableFuture<>();
  private final ArrayDeque<Message> replies = new ArrayDeque<>();
  private final Runnable onEnd;
  private Wire channel;
  private Deadlines.Entry timeout;
  private boolean ended;
  private Throwable failure;
  /** The request side ended: close or error sent. */
  private boolean finished;
  /** The channel was forgotten and the end action ran. */
  private boolean closed;
  private boolean decided;
  private boolean recheck;
  private AsyncCallback<Boolean> reader;

  /** @param onEnd run once when the channel has ended (its lease is given back, its span recorded) */
  private AppChannel(Executor dispatcher, Runnable onEnd) {
    this.dispatcher = dispatcher;
    this.onEnd = onEnd;
  }

  /** A channel on {@code wire} with no timeout, its replies given to it by the caller (tests). */
  AppChannel(Executor dispatcher, Runnable onEnd, Wire wire) {
    this(dispatcher, onEnd);
    this.channel = wire;
  }

  /**
   * Opens the channel with {@code enqueue} and sends {@code chunk}.
   *
   * @param deadlineNanos the first reply's deadline ({@link System#nanoTime()}), kept in {@code deadlines}:
   *     past it the app gets {@code error} and the attempt fails with a {@link TimeoutException}
   * @throws cocaine.wire.CocaineException when the connection cannot open a channel now
   */
  static AppChannel open(ClientConnection connection, Message enqueue, Message chunk, int window,
      ExecutionContextExecutor dispatcher,
      Deadlines deadlines, long deadlineNanos, boolean holdOpen, Supplier<Message> onTimeout,
      Runnable onEnd) {
    AppChannel c = new AppChannel(dispatcher, onEnd);
    synchronized (c) {
      // the chunk (and close) go with the channel's opening: one hand-over to the connection's stream
      ClientConnection.DirectChannel direct = connection.open(enqueue,
          holdOpen ? List.of(chunk) : List.of(chunk, Message.close()), Graph.STREAMING, window, c);
      c.channel = new Wire() {
        @Override
        public void send(Message message) {
          direct.send(message);
        }

        @Override
        public void credit() {
          direct.credit();
        }

        @Override
        public void close() {
          direct.close();
        }
      };
      c.finished = !holdOpen;
      c.expireAt(deadlines, deadlineNanos, onTimeout);
    }
    return c;
  }

  /** Past {@code deadlineNanos} with no reply, the app gets {@code onTimeout}'s message and {@link #first} fails. */
  synchronized void expireAt(Deadlines deadlines, long deadlineNanos, Supplier<Message> onTimeout) {
    timeout = deadlines.add(deadlineNanos, () -> timedOut(onTimeout));
  }

  /**
   * Completes once the first reply is in or the channel failed without one, on a dispatcher thread
   * (the connection's own when the answer ended before the dispatcher's look, see {@link #end}):
   * its non-async dependents may go on with the request there.
   */
  CompletionStage<First> first() {
    return first;
  }

  @Override
  public void reply(Message message) {
    AsyncCallback<Boolean> r;
    synchronized (this) {
      replies.add(message);
      r = reader;
      if (!decided && replies.size() == 1) {
        dispatcher.execute(this::decide);
      }
    }
    if (r != null) {
      r.invoke(Boolean.TRUE);
    }
  }

  /**
   * The answer is all in: when it ended before the dispatcher's look ({@link #decide}), usually
   * because it came in one read, {@link #first} completes here, on the connection's thread, with
   * the whole of it; the look then finds it decided. Waiting for the look cost a request one or two
   * more tasks on the dispatcher and a wake-up of its other thread.
   */
  @Override
  public void end(Throwable cause) {
    AsyncCallback<Boolean> r;
    First decidedNow = null;
    synchronized (this) {
      ended = true;
      failure = cause;
      r = reader;
      if (!decided) {
        decided = true;
        decidedNow = new First(List.copyOf(replies), true, cause);
        replies.clear();
      }
    }
    if (decidedNow != null) {
      cancelTimeout();
      first.complete(decidedNow);
    }
    if (r != null) {
      r.invoke(Boolean.TRUE);
    }
  }

  /**
   * After the connection's stream has routed the rest of what it read with the first reply: the
   * whole answer is often in by now. If not, looks once more after the dispatcher's next turn.
   */
  private void decide() {
    First f;
    synchronized (this) {
      if (decided) {
        return;
      }
      if (!ended && !recheck) {
        recheck = true;
        dispatcher.execute(this::decide);
        return;
      }
      decided = true;
      f = new First(List.copyOf(replies), ended, failure);
      replies.clear();
    }
    cancelTimeout();
    if (!f.ended()) {
      // taken off the channel's window: the answer read on must not find it shrunk by them
      for (int i = 0; i < f.messages().size(); i++) {
        channel.credit();
      }
    }
    first.complete(f);
  }

  private void timedOut(Supplier<Message> onTimeout) {
    synchronized (this) {
      if (decided) {
        return;
      }
      decided = true;
    }
    finish(onTimeout.get());
    done();
    first.completeExceptionally(new TimeoutException("no reply"));
  }

  private void cancelTimeout() {
    Deadlines.Entry t;
    synchronized (this) {
      t = timeout;
    }
    if (t != null) {
      t.cancel();
    }
  }

  /**
   * Ends the request side, once: {@code close} when the exchange ended, {@code error} when it was cut
   * short. Replies still come until {@link #done}.
   */
  void finish(Message last) {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
    }
    channel.send(last);
  }

  /** The exchange is over: forgets the channel and runs the end action, once. */
  void done() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    channel.close();
    onEnd.run();
  }

  /** For {@link ReplySource}: to be told (from any thread) when a reply or the end is there to take. */
  synchronized void attach(AsyncCallback<Boolean> reader) {
    this.reader = reader;
  }

  /** The next reply not taken yet, or null; each one taken gives the channel credit for another. */
  Message take() {
    Message m;
    synchronized (this) {
      m = replies.poll();
    }
    if (m != null) {
      channel.credit();
    }
    return m;
  }

  /** True once the app's side has ended and every reply was taken; then {@link #failure} says how. */
  synchronized boolean drained() {
    return ended && replies.isEmpty();
  }

  synchronized Throwable failure() {
    return failure;
  }

  /** The messages after the first, for a response read on. */
  static List<Message> rest(First f) {
    return f.messages().size() <= 1 ? List.of() : new ArrayList<>(f.messages().subList(1, f.messages().size()));
  }

  /** True when {@code f} holds the app's whole answer: it ended after its terminal message. */
  static boolean whole(First f) {
    if (!f.ended() || f.failure() != null || f.messages().isEmpty()) {
      return false;
    }
    int last = f.messages().get(f.messages().size() - 1).type();
    return last == Graph.CLOSE || last == Graph.ERROR;
  }
}
