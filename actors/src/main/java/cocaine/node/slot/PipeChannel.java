package cocaine.node.slot;

import cocaine.rpc.channel.FeedInlet;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.util.ArrayDeque;
import java.util.Optional;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One invocation channel of a worker's pipe, as its {@link PipeStage} sees it: its session, the
 * client's messages on their way to the worker (one frame in hand at a time, read from the session's
 * feed), and whether each side has ended. Touched only from the pipe stage's thread.
 */
final class PipeChannel {
  private static final Logger LOG = LoggerFactory.getLogger(PipeStage.class); // the pipe's log
  /** The pipe stage's side of its channels. */
  interface Owner {
    /** Delivers the client messages read through {@link FeedInlet}s. */
    AsyncCallback<Object> routed();

    /** The channel has a frame for the worker; it is written in turn with the others'. */
    void ready(PipeChannel channel);

    /** Writes what is waiting, if the worker's side can take it. */
    void emit();

    /** Both sides ended and nothing waits: forget the channel and tell the slot (once; later calls do nothing). */
    void finished(PipeChannel channel);
  }

  private final Owner owner;
  final long id;
  final Session session;
  /** At most the client's frame in hand and a last word after it. */
  final ArrayDeque<Frame> frames = new ArrayDeque<>(2);
  FeedInlet<Message> in;
  boolean started;
  /** Nothing more will come from the client: it ended, or the channel was cut. */
  boolean inputDone;
  boolean clientEnded;
  /** Nothing more goes to the client: the worker ended its side, the client left, or the slot cut it. */
  boolean upstreamDone;
  Optional<Frame> cutBeforeStart;

  PipeChannel(Owner owner, long id, Session session) {
    this.owner = owner;
    this.id = id;
    this.session = session;
  }

  void start(Session session) {
    started = true;
    if (cutBeforeStart != null) {
      session.cancelRest();
      inputDone = true;
      cutBeforeStart.ifPresent(this::queue);
      finishIfDone();
      return;
    }
    if (!session.claimRest()) {
      clientInputEnded(); // the session ended before its channel started; the worker hears an error
      return;
    }
    in = new FeedInlet<>(session.rest(), owner.routed());
    in.setHandler(new AbstractInHandler() {
      @Override
      public void onPush() {
        Message m = in.grab();
        clientEnded = m.type() == Graph.CLOSE || m.type() == Graph.ERROR;
        queue(m.on(id));
      }

      @Override
      public void onUpstreamFinish() {
        clientInputEnded();
      }

      @Override
      public void onUpstreamFailure(Throwable ex) {
        clientInputEnded();
      }
    });
    in.attach();
    if (!in.isClosed()) {
      in.pull();
    }
  }

  private void clientInputEnded() {
    if (inputDone) {
      return;
    }
    inputDone = true;
    if (!clientEnded) {
      queue(Message.error(ErrorCode.WORKER_DISCONNECTED, "client disconnected").on(id));
    }
    finishIfDone();
  }

  /**
   * A frame the worker sent on this channel while its side is open: a write goes to the session's
   * client within its window, close or error end the worker's side, any other type fails the session
   * and cuts the channel. False when the client's window is full: reading must wait for it.
   */
  boolean fromWorker(Frame f, String who) {
    if (f.type() == Graph.WRITE) {
      if (session.isFinished() || session.isClientGone()) {
        clientGone();
        return true;
      }
      return session.upstream().deliver(f.message());
    }
    upstreamDone = true;
    if (f.type() == Graph.ERROR || f.type() == Graph.CLOSE) {
      session.trace().workerEnded(f.message());
      session.finish(f.message());
    } else {
      LOG.warn("{}: sent message type {} on invocation channel {}; failing that session", who, f.type(), id);
      session.fail(new CocaineException(ErrorCode.FRAME_FORMAT, who + " sent message type " + f.type()
          + " on an invocation channel"));
      cut(Optional.of(Message.error(ErrorCode.FRAME_FORMAT, "unexpected message type " + f.type()).on(id)));
    }
    finishIfDone();
    return true;
  }

  /** Nothing more can reach the client. */
  void clientGone() {
    if (!upstreamDone) {
      upstreamDone = true;
      finishIfDone();
    }
  }

  void cut(Optional<Frame> last) {
    if (!started) {
      cutBeforeStart = last;
      return;
    }
    if (inputDone) {
      finishIfDone();
      return;
    }
    inputDone = true;
    if (in != null && !in.isClosed()) {
      in.cancel();
    }
    if (!clientEnded) { // the client's close or error may be in before its side completes
      last.ifPresent(this::queue);
    }
    finishIfDone();
  }

  private void queue(Frame f) {
    boolean wasEmpty = frames.isEmpty();
    frames.add(f);
    if (wasEmpty) {
      owner.ready(this);
    }
    owner.emit();
  }

  void afterWrite() {
    if (!frames.isEmpty()) {
      owner.ready(this);
    } else if (inputDone) {
      finishIfDone();
    } else if (!in.isClosed() && !in.hasBeenPulled()) {
      in.pull();
    }
  }

  void finishIfDone() {
    if (upstreamDone && inputDone && frames.isEmpty()) {
      owner.finished(this);
    }
  }

  void abandon() {
    if (in != null && !in.isClosed()) {
      in.cancel();
    }
  }
}
