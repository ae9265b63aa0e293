package cocaine.rpc.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connected non-blocking socket as a flow: bytes pushed in are written, bytes read come out. Writes,
 * and reads while the socket has more, are done by the stage itself, on the stream's thread, as far
 * as the socket allows without waiting; a write that would wait has the {@link SelectorLoop} call the
 * stage back, and once a read has emptied the socket the loop's thread makes the next read itself
 * when the stage asks ({@link SelectorRead}). A request thus crosses no thread of its own. The elements pushed during one run of the stream go out in
 * one gathering write. Holds up to {@code writeBytes} (plus one element) to write; the read buffer
 * belongs to the stream's thread, so an idle connection holds no buffer at all.
 */
public final class SocketStage extends GraphStage<FlowShape<ByteString, ByteString>> {
  private static final Logger log = LoggerFactory.getLogger(SocketStage.class);
  /**
   * A read is copied out of this buffer at once, so the connections served by one thread can share
   * it: ten thousand idle connections would otherwise hold ten thousand direct buffers.
   */
  private static final ThreadLocal<ByteBuffer> READ_BUFFER = new ThreadLocal<>();

  private final SocketChannel socket;
  private final SelectorLoop loop;
  private final String peer;
  private final int readBytes;
  private final int writeBytes;
  private final boolean writingDecides;
  /** writingDecides: how long the bytes left after both sides ended may wait for a peer that does not read. */
  private final Duration linger;
  private final Inlet<ByteString> in = Inlet.create("SocketStage.write");
  private final Outlet<ByteString> out = Outlet.create("SocketStage.read");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  /**
   * @param socket connected; made non-blocking here
   * @param readBytes the most one read takes
   * @param writeBytes bytes gathered for one write before pulling stops until it is written
   */
  public SocketStage(SocketChannel socket, SelectorLoop loop, String peer, int readBytes, int writeBytes) {
    this(socket, loop, peer, readBytes, writeBytes, false, DEFAULT_LINGER);
  }

  /** The time a writing-decides connection's last bytes get to be written: Pekko IO's linger-timeout. */
  public static final Duration DEFAULT_LINGER = Duration.ofMinutes(1);

  /**
   * @param writingDecides the writing side decides, as Pekko IO's connections without half-close:
   *     a cancelled reading side only stops reading, and the socket closes once the writing side has
   *     ended and its bytes are written (an HTTP server's last answer before {@code Connection: close}
   *     or a stop is sent whole); false: a cancelled reading side closes the socket at once, and the
   *     end of the writing side shuts down output only, reads going on until the peer closes. In
   *     that mode each element is also written as it comes instead of after the stream's waiting
   *     events: an HTTP connection has one answer at a time, so the wait would gather nothing and
   *     cost a dispatcher turn per answer
   */
  public SocketStage(SocketChannel socket, SelectorLoop loop, String peer, int readBytes, int writeBytes,
      boolean writingDecides) {
    this(socket, loop, peer, readBytes, writeBytes, writingDecides, DEFAULT_LINGER);
  }

  /**
   * @param linger with {@code writingDecides}: once the writing side has ended (or the reading side
   *     was cancelled) with bytes still unwritten, the most they wait for a peer that does not read
   *     before the socket is closed anyway; without it such a peer would keep the connection
   *     (and its bytes) for ever, as no stage above is left to time it out
   */
  public SocketStage(SocketChannel socket, SelectorLoop loop, String peer, int readBytes, int writeBytes,
      boolean writingDecides, Duration linger) {
    this.socket = socket;
    this.loop = loop;
    this.peer = peer;
    this.readBytes = readBytes;
    this.writeBytes = writeBytes;
    this.writingDecides = writingDecides;
    this.linger = linger;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  private final class Logic extends TimerGraphStageLogic {
    private final AsyncCallback<Integer> ready = createAsyncCallback(this::onReady);
    /** The reads the selector's thread makes for this stage once the socket had nothing more to give. */
    private final AsyncCallback<SelectorRead.Outcome> delivered = createAsyncCallback(this::onRead);
    private SelectorRead reads;
    /** Runs after the stream's current batch of events: the frames pushed meanwhile go in one write. */
    private final AsyncCallback<Boolean> flushLater = createAsyncCallback(b -> flush());
    /**
     * Sends {@link #flushLater} from a dispatcher thread. Invoked from this stream's own thread it
     * would run right after the current event, before the events already waiting in the stream's
     * mailbox: every element handed over by another stream (a session's reply, say) would then be
     * its own write, and on loopback each write also pays for the reader's wake-up. Sent from
     * outside, it queues behind them, and their elements go out in the same write.
     */
    private final Runnable flushAfterWaiting = () -> flushLater.invoke(Boolean.TRUE);
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean flushScheduled;
    /** A write the socket did not take whole: wait for it to be writable. */
    private boolean blocked;
    /**
     * The last read took less than it could: the socket had no more then, so the next read is the
     * selector's, made when the socket is readable (a read that finds nothing costs a system call for
     * nothing).
     */
    private boolean drained;
    private boolean closed;
    private SelectionKey key;

    Logic() {
      super(shape);
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          ByteString bytes = grab(in);
          pending.add(bytes.asByteBuffer());
          pendingBytes += bytes.size();
          if (pendingBytes >= writeBytes || writingDecides) {
            flush();
          } else {
            pull(in);
            if (!flushScheduled) {
              flushScheduled = true;
              materializer().executionContext().execute(flushAfterWaiting);
            }
          }
        }

        @Override
        public void onUpstreamFinish() {
          if (!flushScheduled && !blocked) {
            flush();
          }
          lingerIfStuck();
        }

        @Override
        public void onUpstreamFailure(Throwable ex) {
          log.debug("writing to {} ended: {}", peer, ex.toString());
          close();
        }
      });
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          if (drained) {
            reads.want(loop, key);
          } else {
            read();
          }
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          if (!writingDecides || isClosed(in) && pending.isEmpty()) {
            close();
          } else { // the writing side ends it: finishWriting() closes once out is closed too
            lingerIfStuck();
          }
        }
      });
    }

    @Override
    public void preStart() {
      if (writingDecides) {
        setKeepGoing(true); // both ports closed with bytes still to write: the last flush must still run
      }
      try {
        socket.configureBlocking(false);
        reads = new SelectorRead(socket, readBytes, ready::invoke, delivered::invoke);
        key = loop.register(socket, reads);
      } catch (IOException | ClosedSelectorException e) { // the loop closed: its server was unbound meanwhile
        log.debug("cannot watch {}: {}", peer, e.toString());
        close();
        return;
      }
      pull(in);
    }

    private void onReady(int ops) {
      if (closed) {
        return;
      }
      if ((ops & SelectionKey.OP_WRITE) != 0 && blocked) {
        blocked = false;
        flush();
      }
    }

    /** A read's outcome, the stage's own or the selector's. */
    private void onRead(SelectorRead.Outcome outcome) {
      if (closed) {
        return;
      }
      if (outcome instanceof SelectorRead.Bytes b) {
        drained = !b.full();
        if (isAvailable(out)) { // else the reading side was cancelled meanwhile
          push(out, b.bytes());
        }
      } else if (outcome instanceof SelectorRead.Failed f) {
        log.debug("reading {} failed: {}", peer, f.error().toString());
        close();
      } else {
        complete(out);
        if (isClosed(in)) {
          close();
        }
      }
    }

    private void read() {
      SelectorRead.Outcome outcome = SelectorRead.read(socket, readBuffer(), readBytes);
      if (outcome == null) {
        drained = true;
        reads.want(loop, key);
      } else {
        onRead(outcome);
      }
    }

    private ByteBuffer readBuffer() {
      ByteBuffer buffer = READ_BUFFER.get();
      if (buffer == null || buffer.capacity() < readBytes) {
        buffer = ByteBuffer.allocateDirect(readBytes);
        READ_BUFFER.set(buffer);
      }
      return buffer;
    }

    /** Writes what is pending, as far as the socket takes it without waiting. */
    private void flush() {
      flushScheduled = false;
      if (closed || blocked) {
        return;
      }
      try {
        while (!pending.isEmpty()) {
          socket.write(pending.toArray(new ByteBuffer[0]));
          while (!pending.isEmpty() && !pending.peek().hasRemaining()) {
            pending.poll();
          }
          if (!pending.isEmpty()) {
            pendingBytes = pending.stream().mapToLong(ByteBuffer::remaining).sum();
            blocked = true;
            loop.interest(key, SelectionKey.OP_WRITE);
            if (isClosed(in) || isClosed(out)) {
              lingerIfStuck();
            }
            return;
          }
        }
      } catch (IOException e) {
        log.debug("writing {} failed: {}", peer, e.toString());
        close();
        return;
      }
      pendingBytes = 0;
      if (isClosed(in)) {
        finishWriting();
      } else if (!hasBeenPulled(in)) {
        pull(in);
      }
    }

    // Nothing more to write: the peer reads end-of-stream; reads go on until the peer closes too,
    // unless the writing side decides (writingDecides): then the socket closes, as Pekko IO's did.
    private void finishWriting() {
      if (writingDecides) {
        close();
        return;
      }
      try {
        socket.shutdownOutput();
      } catch (IOException e) {
        log.debug("shutting down output to {}: {}", peer, e.toString());
      }
      if (isClosed(out)) {
        close();
      }
    }

    /** writingDecides, an end reached with bytes the peer has not taken: they get {@link #linger}, no more. */
    private void lingerIfStuck() {
      if (writingDecides && !closed && !pending.isEmpty() && !isTimerActive("linger")) {
        scheduleOnce("linger", linger);
      }
    }

    @Override
    public void onTimer(Object timerKey) {
      log.debug("{} did not take the last {} bytes within {}: closed", peer, pendingBytes, linger);
      close();
    }

    private void close() {
      if (closed) {
        return;
      }
      closeSocket();
      completeStage();
    }

    @Override
    public void postStop() {
      if (!closed) {
        closeSocket();
      }
    }

    private void closeSocket() {
      closed = true;
      try {
        socket.close(); // also cancels the key
      } catch (IOException e) {
        log.debug("closing {}: {}", peer, e.toString());
      }
      if (key != null) {
        loop.wakeup(); // the descriptor is released when the selector drops the cancelled key
      }
    }
  }
}
