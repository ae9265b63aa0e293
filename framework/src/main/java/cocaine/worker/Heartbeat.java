package cocaine.worker;

import static cocaine.worker.Worker.LOG;

import cocaine.wire.CocaineException;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker's control channel 1 (docs/protocol.md 3): the handshake, a heartbeat every period and
 * the disown check after each, and the runtime's heartbeat replies and terminate.
 */
final class Heartbeat {
  static final long CONTROL = 1;
  private static final int HEARTBEAT = 0;
  private static final int TERMINATE = 1;

  private final Worker.Settings settings;
  private final Pipe pipe;
  private final CompletableFuture<Worker.Exit> exit;
  private final ScheduledExecutorService timers;
  private final AtomicLong replies = new AtomicLong();
  private volatile boolean readerStalled;

  Heartbeat(Worker.Settings settings, Pipe pipe, CompletableFuture<Worker.Exit> exit) {
    this.settings = settings;
    this.pipe = pipe;
    this.exit = exit;
    // Two threads: a heartbeat blocked on a full socket must not hold up the disown check.
    this.timers = Executors.newScheduledThreadPool(2, Worker.daemon("cocaine-worker-heartbeat"));
  }

  /** Sends the handshake and the first heartbeat, then one every period; fails if the handshake cannot go out. */
  void start() {
    pipe.send(CONTROL, Message.of(0, Values.str(settings.uuid())));
    beat();
    long period = settings.heartbeatInterval().toMillis();
    timers.scheduleAtFixedRate(this::beat, period, period, TimeUnit.MILLISECONDS);
  }

  void stop() {
    timers.shutdownNow();
  }

  /**
   * Reader thread: whether the reader is held up by the worker itself (a full request buffer, a
   * chunk handler waiting to send). A missing reply may then be waiting unread, so it is no disowning.
   */
  void readerStalled(boolean stalled) {
    readerStalled = stalled;
  }

  /** Reader thread: a frame on channel 1. */
  void control(Frame frame) {
    if (frame.type() == HEARTBEAT) {
      replies.incrementAndGet();
    } else if (frame.type() == TERMINATE) {
      long code = frame.args().size() > 0 && frame.args().get(0).isIntegerValue() ? Values.asLong(frame.args().get(0)) : 0;
      String reason = frame.args().size() > 1 && frame.args().get(1).isRawValue() ? Values.asString(frame.args().get(1)) : "";
      LOG.log(Level.INFO, "terminated by the runtime: [{0}] {1}", code, reason);
      try {
        pipe.send(CONTROL, Message.of(TERMINATE, Values.integer(code), Values.str(reason)));
      } catch (CocaineException e) {
        LOG.log(Level.WARNING, "could not echo terminate: {0}", e.getMessage());
      }
      exit.complete(new Worker.Exit(Worker.Exit.Reason.TERMINATED, code, reason));
    } else {
      LOG.log(Level.WARNING, "dropping {0}: unknown control message type {1}", frame, frame.type());
    }
  }

  private void beat() {
    // Armed before sending: a runtime that stopped reading blocks the send, and must still disown us.
    scheduleDisownCheck(replies.get(), pipe.received());
    try {
      pipe.send(CONTROL, Message.of(HEARTBEAT));
    } catch (CocaineException e) {
      exit.complete(new Worker.Exit(Worker.Exit.Reason.DISCONNECTED, 0, e.getMessage()));
    }
  }

  private void scheduleDisownCheck(long repliesBefore, long receivedBefore) {
    try {
      timers.schedule(() -> checkDisown(repliesBefore, receivedBefore), settings.disownTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // exiting already
    }
  }

  private void checkDisown(long repliesBefore, long receivedBefore) {
    if (replies.get() != repliesBefore) {
      return;
    }
    long received = pipe.received();
    if (readerStalled || received != receivedBefore) {
      // The reply may be waiting unread behind a slow handler's chunks, or queued behind a long frame
      // still arriving (a 64 MiB body on a loaded machine): either way the runtime is not silent.
      scheduleDisownCheck(repliesBefore, received);
      return;
    }
    LOG.log(Level.ERROR, "disowned: the runtime at {0} did not answer a heartbeat within {1} ms",
        settings.endpoint(), settings.disownTimeout().toMillis());
    exit.complete(new Worker.Exit(Worker.Exit.Reason.DISOWNED, 0,
        "no heartbeat reply within " + settings.disownTimeout().toMillis() + " ms"));
  }
}
