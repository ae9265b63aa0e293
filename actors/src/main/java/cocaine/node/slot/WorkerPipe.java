package cocaine.node.slot;

import cocaine.rpc.Codec;
import cocaine.rpc.UnixConnectionInfo;
import cocaine.rpc.UnixSocketServer;
import cocaine.wire.Frame;
import cocaine.wire.Values;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unix socket one app's workers connect to ({@code <paths.runtime>/<app>.<pid>}, PROTOCOL.md
 * 3.1-3.2). A worker's first frame must be its handshake {@code [1, 0, [uuid]]}; the connection is
 * then handed to the slot that expects that uuid. A connection with another first frame or an
 * unknown uuid is closed and logged.
 */
public final class WorkerPipe implements AutoCloseable {
  /**
   * Control frames and invokes waiting for the socket. A worker holds at most its profile's
   * {@code concurrency} channels, so invokes beyond this many would mean a stuck worker; the slot
   * then fails the session with a clear error instead of queueing it.
   */
  static final int CONTROL_BUFFER = 8192;
  private static final Logger log = LoggerFactory.getLogger(WorkerPipe.class);

  private final String app;
  private final ActorSystem<?> system;
  private final int maxFrameBytes;
  private final Materializer materializer;
  private final ConcurrentMap<String, ActorRef<Slot.Command>> pending = new ConcurrentHashMap<>();
  private volatile UnixSocketServer server;
  private volatile Path path;

  private WorkerPipe(String app, ActorSystem<?> system, int maxFrameBytes) {
    this.app = app;
    this.system = system;
    this.maxFrameBytes = maxFrameBytes;
    this.materializer = Materializer.matFromSystem(system);
  }

  /**
   * Listens at {@code socket}; blocking (creates the directory with mode 0700, replaces a stale
   * socket file), so call it off the actor threads.
   */
  public static WorkerPipe bind(ActorSystem<?> system, String app, Path socket, int maxFrameBytes) throws IOException {
    WorkerPipe pipe = new WorkerPipe(app, system, maxFrameBytes);
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
    // The writer's handle exists once the connection's flow runs, which is before any frame arrives.
    CompletableFuture<PipeWriter.Handle> writer = new CompletableFuture<>();
    Source<Frame, NotUsed> outbound = Source.fromGraph(new PipeWriter(CONTROL_BUFFER, materializer))
        .mapMaterializedValue(handle -> {
          writer.complete(handle);
          return NotUsed.getInstance();
        });
    Sink<Frame, NotUsed> inbound = Flow.of(Frame.class)
        .prefixAndTail(1)
        .to(Sink.foreach(p -> route(info, p.first(), p.second(), writer.join(), close)));
    Flow<Frame, Frame, NotUsed> frames = Flow.fromSinkAndSourceCoupled(inbound, outbound).via(close.flow());
    return Codec.codec(maxFrameBytes).reversed().join(frames);
  }

  private void route(UnixConnectionInfo info, List<Frame> head, Source<Frame, NotUsed> tail,
      PipeWriter.Handle writer, SharedKillSwitch close) {
    if (head.isEmpty()) {
      return; // closed before saying anything
    }
    Frame first = head.get(0);
    String uuid = handshakeUuid(first);
    if (uuid == null) {
      log.warn("app [{}]: {} sent {} instead of a handshake [1, 0, [uuid]]; closing it", app, info.peer(), first);
      refuse(tail, close);
      return;
    }
    ActorRef<Slot.Command> slot = pending.get(uuid);
    if (slot == null) {
      log.warn("app [{}]: {} shook hands with unknown worker uuid [{}]; closing it", app, info.peer(), uuid);
      refuse(tail, close);
      return;
    }
    slot.tell(new Slot.Connected(new WorkerConnection(tail, writer, close)));
  }

  private void refuse(Source<Frame, NotUsed> tail, SharedKillSwitch close) {
    tail.runWith(Sink.cancelled(), system);
    close.shutdown();
  }

  private static String handshakeUuid(Frame f) {
    if (f.channel() != Link.CONTROL_CHANNEL || f.type() != 0 || f.args().size() != 1 || !f.args().get(0).isRawValue()) {
      return null;
    }
    return Values.asString(f.args().get(0));
  }
}
