package cocaine.rpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connected non-blocking socket as a flow: bytes pushed in are written, bytes read come out. Reads
 * and writes are done by the stage itself, on the stream's thread, as far as the socket allows
 * without waiting; only when it would wait does the {@link SelectorLoop} watch the socket and call
 * back. A request thus crosses no thread of its own (a reader and a writer thread per connection
 * cost two thread wake-ups per frame). Holds one read buffer and at most one element being written.
 */
final class SocketStage extends GraphStage<FlowShape<ByteString, ByteString>> {
  private static final Logger log = LoggerFactory.getLogger(SocketStage.class);

  private final SocketChannel socket;
  private final SelectorLoop loop;
  private final String peer;
  private final int readBytes;
  private final Inlet<ByteString> in = Inlet.create("SocketStage.write");
  private final Outlet<ByteString> out = Outlet.create("SocketStage.read");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);

  /**
   * @param socket connected; made non-blocking here
   * @param readBytes the most one read takes
   */
  SocketStage(SocketChannel socket, SelectorLoop loop, String peer, int readBytes) {
    this.socket = socket;
    this.loop = loop;
    this.peer = peer;
    this.readBytes = readBytes;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new Logic();
  }

  private final class Logic extends GraphStageLogic {
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(readBytes);
    private final AsyncCallback<Integer> ready = createAsyncCallback(this::onReady);
    private SelectionKey key;
    private ByteBuffer writing;
    private boolean closed;

    Logic() {
      super(shape);
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          writing = grab(in).asByteBuffer();
          write();
        }

        @Override
        public void onUpstreamFinish() {
          if (writing == null) {
            finishWriting();
          }
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
          read();
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          close();
        }
      });
    }

    @Override
    public void preStart() {
      try {
        socket.configureBlocking(false);
        key = loop.register(socket, ready::invoke);
      } catch (IOException e) {
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
      if ((ops & SelectionKey.OP_READ) != 0 && isAvailable(out)) {
        read();
      }
      if ((ops & SelectionKey.OP_WRITE) != 0 && writing != null) {
        write();
      }
    }

    private void read() {
      int n;
      try {
        n = socket.read(readBuffer);
      } catch (IOException e) {
        log.debug("reading {} failed: {}", peer, e.toString());
        close();
        return;
      }
      if (n < 0) {
        complete(out);
        if (isClosed(in)) {
          close();
        }
        return;
      }
      if (n == 0) {
        loop.interest(key, SelectionKey.OP_READ);
        return;
      }
      readBuffer.flip();
      ByteString chunk = ByteString.fromByteBuffer(readBuffer);
      readBuffer.clear();
      push(out, chunk);
    }

    private void write() {
      try {
        socket.write(writing);
      } catch (IOException e) {
        log.debug("writing {} failed: {}", peer, e.toString());
        close();
        return;
      }
      if (writing.hasRemaining()) {
        loop.interest(key, SelectionKey.OP_WRITE);
        return;
      }
      writing = null;
      if (isClosed(in)) {
        finishWriting();
      } else {
        pull(in);
      }
    }

    // Nothing more to write: the peer reads end-of-stream; reads go on until the peer closes too.
    private void finishWriting() {
      try {
        socket.shutdownOutput();
      } catch (IOException e) {
        log.debug("shutting down output to {}: {}", peer, e.toString());
      }
      if (isClosed(out)) {
        close();
      }
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        socket.close(); // also cancels the key
      } catch (IOException e) {
        log.debug("closing {}: {}", peer, e.toString());
      }
      completeStage();
    }

    @Override
    public void postStop() {
      if (!closed) {
        closed = true;
        try {
          socket.close();
        } catch (IOException e) {
          log.debug("closing {}: {}", peer, e.toString());
        }
      }
    }
  }
}
