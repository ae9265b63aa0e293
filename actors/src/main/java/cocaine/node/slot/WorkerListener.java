package cocaine.node.slot;

import cocaine.rpc.service.UnixConnectionInfo;
import cocaine.rpc.service.UnixSocketServer;
import cocaine.rpc.transport.Codec;
import cocaine.wire.Frame;
import cocaine.wire.Values;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unix socket one app's workers connect to ({@code <paths.runtime>/<app>.<pid>}, docs/protocol.md
 * 3.1-3.2). A worker's first frame must be its handshake {@code [1, 0, [uuid]]}; the connection is
 * then handed to the slot that expects that uuid. A connection with another first frame or an
 * unknown uuid is closed and logged.
 */
public final class WorkerListener implements AutoCloseable {
  /**
   * Control frames and invokes waiting for the socket. A worker holds at most its profile's
   * {@code concurrency} channels, so invokes beyond this many would mean a stuck worker; the slot
   * then fails the session with a clear error instead of queueing it.
   */
  static final int CONTROL_BUFFER = 8192;
  private static final Logger log = LoggerFactory.getLogger(WorkerListener.class);

  private final String app;
  private final int maxFrameBytes;
  private final ConcurrentMap<String, ActorRef<Slot.Command>> pending = new ConcurrentHashMap<>();
  private volatile UnixSocketServer server;
  private volatile Path path;

  private WorkerListener(String app, int maxFrameBytes) {
    this.app = app;
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Listens at {@code socket}; blocking (creates the directory with mode 0700, replaces a stale
   * socket file), so call it off the actor threads.
   */
  public static WorkerListener bind(ActorSystem<?> system, String app, Path socket, int maxFrameBytes) throws IOException {
    WorkerListener pipe = new WorkerListener(app, maxFrameBytes);
    pipe.server = UnixSocketServer.bind(system, socket, pipe::connection);
    pipe.path = socket;
    return pipe;
  }

  /** The socket path handed to workers as {@code --endpoint}. */
  public Path path() {
    return path;
  }

  /** Stops accepting and removes the socket file; live workers keep their connections. */
  @Override
  public void close() {
    UnixSocketServer s = server;
    if (s != null) {
      s.unbind();
    }
  }

  /** A worker with this uuid is about to start; its handshake goes to {@code slot}. */
  void expect(String uuid, ActorRef<Slot.Command> slot) {
    pending.put(uuid, slot);
  }

  /** The slot is gone: a late handshake with its uuid is refused. */
  void forget(String uuid, ActorRef<Slot.Command> slot) {
    pending.remove(uuid, slot);
  }

  private Flow<ByteString, ByteString, NotUsed> connection(UnixConnectionInfo info) {
    SharedKillSwitch close = KillSwitches.shared("worker-pipe-" + info.connectionId());
    PipeStage pipe = new PipeStage(CONTROL_BUFFER, (first, handle) -> route(info, first, handle, close),
        "app '" + app + "': worker pipe " + info.peer());
    Flow<Frame, Frame, NotUsed> frames = Flow.fromGraph(pipe).mapMaterializedValue(h -> NotUsed.getInstance())
        .via(close.flow());
    return Codec.codec(maxFrameBytes).reversed().join(frames);
  }

  private boolean route(UnixConnectionInfo info, Frame first, PipeStage.Handle handle, SharedKillSwitch close) {
    String uuid = handshakeUuid(first);
    if (uuid == null) {
      log.warn("app [{}]: {} sent {} instead of a handshake [1, 0, [uuid]]; closing it", app, info.peer(), first);
      return false;
    }
    ActorRef<Slot.Command> slot = pending.get(uuid);
    if (slot == null) {
      log.warn("app [{}]: {} shook hands with unknown worker uuid [{}]; closing it", app, info.peer(), uuid);
      return false;
    }
    slot.tell(new Slot.Connected(new WorkerConnection(handle, close)));
    return true;
  }

  /** The uuid of a handshake {@code [1, 0, [uuid, ...]]}; extra arguments are ignored, as the original does. */
  private static String handshakeUuid(Frame f) {
    if (f.channel() != WorkerLink.CONTROL_CHANNEL || f.type() != 0 || f.args().isEmpty() || !f.args().get(0).isRawValue()) {
      return null;
    }
    return Values.asString(f.args().get(0));
  }
}
