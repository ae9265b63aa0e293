package cocaine.node.slot;

import cocaine.node.isolate.Isolate;
import cocaine.wire.Frame;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.LongConsumer;
import org.msgpack.value.Value;

/**
 * A worker after its handshake, as its slot sees it: the process, the pipe and the open invocation
 * channels. Mutable; owned by one slot actor.
 */
final class Link {
  static final long CONTROL_CHANNEL = 1;
  /**
   * Runs a callback on the thread that completes the stage. Pekko's stages are Scala futures seen
   * as CompletableFutures that turn every plain {@code whenComplete} into {@code whenCompleteAsync} on
   * the common pool; with 2 CPUs that pool has parallelism 1, so the JDK starts a new thread per
   * callback (about 0.1-0.5 ms each, several per request). Our callbacks only tell an actor or complete
   * a future, so they are safe to run inline.
   */
  static final Executor SAME_THREAD = Runnable::run;

  final Isolate.Worker worker;
  final WorkerConnection connection;
  final Map<Long, Channel> channels = new LinkedHashMap<>();
  long nextChannel = CONTROL_CHANNEL + 1;

  Link(Isolate.Worker worker, WorkerConnection connection) {
    this.worker = worker;
    this.connection = connection;
  }

  /**
   * Opens the next invocation channel: {@code invoke [event]} with the session's headers, then the
   * client's messages as the worker's pipe takes them (pulled from {@code rest} one at a time).
   *
   * @param dispatchEnded called with the channel id once nothing more goes to the worker on it
   * @return null when the pipe's control queue is full
   */
  Channel open(Session session, LongConsumer dispatchEnded) {
    long ch = nextChannel++;
    Frame invoke = new Frame(ch, 0, List.of(Values.str(session.event())),
        session.trace().invokeHeaders(session.headers()));
    if (!connection.writer().open(invoke, session.rest(), dispatchEnded)) {
      return null;
    }
    Channel channel = new Channel(ch, session, connection.writer());
    channels.put(ch, channel);
    return channel;
  }

  /** Sends a control frame; false when the worker has not read the last {@value #CONTROL_BUFFER}. */
  boolean sendControl(int type, Object... args) {
    List<Value> values = new ArrayList<>();
    for (Object a : args) {
      values.add(Values.fromJava(a));
    }
    return connection.writer().control(new Frame(CONTROL_CHANNEL, type, values, List.of()));
  }

  /** One invocation: the session and the state of its two directions. */
  static final class Channel {
    final long id;
    final Session session;
    private final PipeWriter.Handle writer;
    boolean upstreamDone;
    boolean dispatchDone;
    /** Worker frames of this channel handed to the session and not yet delivered to its client. */
    int sending;

    Channel(long id, Session session, PipeWriter.Handle writer) {
      this.id = id;
      this.session = session;
      this.writer = writer;
    }

    boolean finished() {
      return upstreamDone && dispatchDone;
    }

    /** Ends the client-to-worker direction now, telling the worker with {@code last} if given. */
    void cutDispatch(Optional<Frame> last) {
      writer.cut(id, last);
    }
  }
}
