package cocaine.node.slot;

import cocaine.node.isolate.Isolate;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.msgpack.value.Value;

/**
 * A worker after its handshake, as its slot sees it: the process, the pipe and the sessions of the
 * open invocation channels with their request deadlines. Mutable; owned by one slot actor.
 */
final class WorkerLink {
  static final long CONTROL_CHANNEL = 1;
  final Isolate.Worker worker;
  final WorkerConnection connection;
  /** Open invocation channels by id, until the pipe reports them finished. */
  private final Map<Long, Session> channels = new LinkedHashMap<>();
  private long nextChannel = CONTROL_CHANNEL + 1;
  /** Request deadlines of the open channels. */
  private final Deadlines deadlines = new Deadlines();

  WorkerLink(Isolate.Worker worker, WorkerConnection connection) {
    this.worker = worker;
    this.connection = connection;
  }

  /**
   * Opens the next invocation channel: {@code invoke [event]} with the session's headers, then the
   * client's messages as the worker's pipe takes them, and the worker's answers to the session.
   *
   * @return the channel id, or 0 when the pipe's control queue is full
   */
  long open(Session session) {
    long ch = nextChannel++;
    Frame invoke = new Frame(ch, 0, List.of(Values.str(session.event())),
        session.trace().invokeHeaders(session.headers()));
    if (!connection.pipe().open(invoke, session)) {
      return 0;
    }
    channels.put(ch, session);
    deadlines.add(ch, session.deadlineNanos());
    return ch;
  }

  boolean hasOpenChannels() {
    return !channels.isEmpty();
  }

  /** The pipe ended these channels both ways at {@code nowNanos}; returns how long each that was open took since enqueue. */
  List<Long> finished(List<Long> ids, long nowNanos) {
    List<Long> took = new ArrayList<>(ids.size());
    for (long ch : ids) {
      Session session = channels.remove(ch);
      if (session != null) {
        session.trace().slotFinished(null);
        took.add(nowNanos - session.enqueuedNanos());
      }
    }
    int done = took.size();
    if (done > 0) {
      deadlines.forgetFinished(channels.keySet());
    }
    return took;
  }

  /** When the slot's deadline timer must fire now; {@link Long#MAX_VALUE} when it is set early enough. */
  long deadlineToArm() {
    return deadlines.toArm(channels.keySet());
  }

  /**
   * The deadline timer fired at {@code now}: the sessions whose request-timeout passed fail, and their
   * channels end with a timeout error for the worker.
   */
  void expire(long now, String app) {
    for (long ch : deadlines.fired(now, channels.keySet())) {
      Session session = channels.get(ch);
      if (session == null) {
        continue;
      }
      session.fail(new CocaineException(ErrorCode.TIMEOUT, "app '" + app + "': invocation of '"
          + session.event() + "' has timed out (request-timeout)"));
      connection.pipe().cut(ch, Optional.of(Message.error(ErrorCode.TIMEOUT, "invocation has timed out").on(ch)));
    }
  }

  /** The worker is gone: every open session fails with {@code cause}, and the pipe is closed. */
  void release(CocaineException cause) {
    CocaineException forSessions = new CocaineException(cause.code(),
        cause.getMessage() + " while handling the request");
    for (Session session : channels.values()) {
      session.fail(forSessions);
      session.trace().slotFinished(cause.getMessage());
    }
    channels.clear();
    connection.close().shutdown();
  }

  /** Sends a control frame; false when the worker has not read the last {@value WorkerListener#CONTROL_BUFFER}. */
  boolean sendControl(int type, Object... args) {
    List<Value> values = new ArrayList<>();
    for (Object a : args) {
      values.add(Values.fromJava(a));
    }
    return connection.pipe().control(new Frame(CONTROL_CHANNEL, type, values, List.of()));
  }
}
