package cocaine.bench.load;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import org.msgpack.value.Value;

/**
 * The least a client can do for one request/response round trip: encode the request frame with
 * the shared codec, write it, block until one whole reply frame is decoded. No channel table, no
 * futures, no reader thread: the floor the framework client is compared with.
 */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final FrameDecoder decoder = new FrameDecoder(16 * 1024 * 1024);
  private final byte[] buf = new byte[64 * 1024];
  private long channel;

  RawClient(String host, int port) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress(host, port), 5000);
    socket.setSoTimeout(30_000);
    out = socket.getOutputStream();
    in = socket.getInputStream();
  }

  /** Sends {@code type args} on a new channel and returns the first frame that comes back. */
  Frame call(int type, List<Value> args) throws IOException {
    out.write(FrameEncoder.encode(new Frame(++channel, type, args, List.of())));
    out.flush();
    Frame reply;
    while ((reply = decoder.next()) == null) {
      int n = in.read(buf);
      if (n < 0) {
        throw new IOException("peer closed the connection");
      }
      decoder.feed(buf, 0, n);
    }
    if (reply.channel() != channel) {
      throw new IOException("reply on channel " + reply.channel() + ", expected " + channel);
    }
    return reply;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
