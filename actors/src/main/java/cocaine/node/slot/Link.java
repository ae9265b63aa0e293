package cocaine.node.slot;

import cocaine.node.isolate.Isolate;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongConsumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * A worker after its handshake, as its slot sees it: the process, the pipe, the control channel's
 * outgoing queue and the open invocation channels. Mutable; owned by one slot actor.
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
  final BoundedSourceQueue<Frame> control;
  final Map<Long, Channel> channels = new LinkedHashMap<>();
  long nextChannel = CONTROL_CHANNEL + 1;

  Link(Isolate.Worker worker, WorkerConnection connection, BoundedSourceQueue<Frame> control) {
    this.worker = worker;
    this.connection = connection;
    this.control = control;
  }

  /**
   * Opens the next invocation channel: {@code invoke [event]} with the session's headers, then the
   * client's messages as the worker's pipe takes them (pulled from {@code rest}, never buffered
   * beyond the pipe's per-producer bound).
   *
   * @param dispatchEnded called with the channel id once nothing more goes to the worker on it
   */
  Channel open(Session session, LongConsumer dispatchEnded, Materializer materializer) {
    long ch = nextChannel++;
    Frame invoke = new Frame(ch, 0, List.of(Values.str(session.event())),
        session.trace().invokeHeaders(session.headers()));
    CompletableFuture<Optional<Frame>> tail = new CompletableFuture<>();
    // The invoke goes through the ordered control queue (ids must reach the worker increasing); the
    // client's frames follow once it is in the pipe.
    var written = connection.invokeWritten(ch);
    if (control.offer(invoke) != QueueOfferResult.enqueued()) {
      connection.invokes().remove(ch);
      return null;
    }
    UniqueKillSwitch dispatch = Source.completionStage(written)
        .flatMapConcat(done -> clientFrames(session, ch))
        .viaMat(KillSwitches.single(), Keep.right())
        .watchTermination((ks, done) -> {
          done.whenCompleteAsync((d, e) -> tail.complete(Optional.empty()), SAME_THREAD);
          return ks;
        })
        .concat(Source.completionStage(tail).mapConcat(last -> last.map(List::of).orElse(List.of())))
        .watchTermination((ks, done) -> {
          done.whenCompleteAsync((d, e) -> dispatchEnded.accept(ch), SAME_THREAD);
          return ks;
        })
        .to(connection.outbound())
        .run(materializer);
    Channel channel = new Channel(ch, session, dispatch, tail);
    channels.put(ch, channel);
    return channel;
  }

  /** The client's messages mapped onto the channel; a client that leaves mid-stream is an error. */
  private static Source<Frame, NotUsed> clientFrames(Session session, long ch) {
    Frame gone = Message.error(ErrorCode.WORKER_DISCONNECTED, "client disconnected").on(ch);
    return session.rest()
        .statefulMap(() -> new boolean[1], (ended, m) -> {
          ended[0] = m.type() == Graph.CLOSE || m.type() == Graph.ERROR;
          return Pair.create(ended, m.on(ch));
        }, ended -> ended[0] ? Optional.<Frame>empty() : Optional.of(gone))
        .recover(Throwable.class, () -> gone);
  }

  /** Sends a control frame; false when the worker has not read the last {@value #CONTROL_BUFFER}. */
  boolean sendControl(int type, Object... args) {
    List<Value> values = new ArrayList<>();
    for (Object a : args) {
      values.add(Values.fromJava(a));
    }
    return control.offer(new Frame(CONTROL_CHANNEL, type, values, List.of())) == QueueOfferResult.enqueued();
  }

  /** One invocation: the session, the switch of its client-to-worker stream and its two ends. */
  static final class Channel {
    final long id;
    final Session session;
    final UniqueKillSwitch dispatch;
    /** What goes to the worker after the client's part is cut short: an error frame, or nothing. */
    final CompletableFuture<Optional<Frame>> dispatchTail;
    boolean upstreamDone;
    boolean dispatchDone;
    /** Worker frames of this channel handed to the session and not yet delivered to its client. */
    int sending;

    Channel(long id, Session session, UniqueKillSwitch dispatch, CompletableFuture<Optional<Frame>> dispatchTail) {
      this.id = id;
      this.session = session;
      this.dispatch = dispatch;
      this.dispatchTail = dispatchTail;
    }

    boolean finished() {
      return upstreamDone && dispatchDone;
    }

    /** Ends the client-to-worker direction now, telling the worker with {@code last} if given. */
    void cutDispatch(Optional<Frame> last) {
      dispatchTail.complete(last);
      dispatch.shutdown();
    }
  }
}
