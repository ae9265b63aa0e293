package cocaine.worker;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** The worker's side of its unix socket to the runtime: whole frames, written one at a time. */
final class Pipe {
  private final SocketChannel socket;
  private final String endpoint;

  Pipe(SocketChannel socket, String endpoint) {
    this.socket = socket;
    this.endpoint = endpoint;
  }

  /** Blocks while the runtime does not read (the socket pushes back); {@code [7, 3]} once it is gone. */
  void send(long channel, Message message) {
    ByteBuffer bytes = ByteBuffer.wrap(FrameEncoder.encode(message.on(channel)));
    synchronized (this) {
      try {
        while (bytes.hasRemaining()) {
          socket.write(bytes);
        }
      } catch (IOException e) {
        throw new CocaineException(ErrorCode.NOT_CONNECTED,
            "cannot send to the runtime at " + endpoint + ": " + e.getMessage(), e);
      }
    }
  }

  void send(Frame frame) {
    send(frame.channel(), frame.message());
  }

  int read(ByteBuffer into) throws IOException {
    return socket.read(into);
  }

  void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing on exit: nothing more to tell the runtime
    }
  }
}
