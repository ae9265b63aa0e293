package cocaine.node.slot;

import cocaine.node.isolate.Isolate;
import cocaine.wire.Frame;
import cocaine.wire.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.value.Value;

/**
 * A worker after its handshake, as its slot sees it: the process, the pipe and the sessions of the
 * open invocation channels. Mutable; owned by one slot actor.
 */
final class WorkerLink {
  static final long CONTROL_CHANNEL = 1;
  final Isolate.Worker worker;
  final WorkerConnection connection;
  /** Open invocation channels by id, until the pipe reports them finished. */
  final Map<Long, Session> channels = new LinkedHashMap<>();
  long nextChannel = CONTROL_CHANNEL + 1;
  /** Request deadlines of the open channels. */
  final Deadlines deadlines = new Deadlines();

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
    return ch;
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
