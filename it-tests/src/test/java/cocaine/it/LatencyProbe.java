package cocaine.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of a latency bound: one-byte round trips through a loopback TCP echo (a thread on
 * each side), sent at a steady rate while a test's load runs. Its percentiles are what this host's
 * scheduling alone adds to a trivial request at that moment, so a bound stated as "so much more than
 * the probe" holds on a quiet machine and on a busy one alike.
 */
final class LatencyProbe implements AutoCloseable {
  private final ServerSocket server;
  private final Thread echo;
  private final ScheduledExecutorService sender;
  private final Socket client;
  private final List<Double> millis = Collections.synchronizedList(new ArrayList<>());

  LatencyProbe(Duration interval) throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    echo = new Thread(this::echo, "latency-probe-echo");
    echo.setDaemon(true);
    echo.start();
    client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
    client.setTcpNoDelay(true);
    sender = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "latency-probe-sender");
      t.setDaemon(true);
      return t;
    });
    // one round trip per interval, paced by the scheduler; a slow one delays the next, never overlaps
    sender.scheduleWithFixedDelay(this::roundTrip, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void echo() {
    try (Socket s = server.accept()) {
      s.setTcpNoDelay(true);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        out.write(b);
        out.flush();
      }
    } catch (IOException e) {
      // closed with the probe
    }
  }

  private void roundTrip() {
    try {
      long start = System.nanoTime();
      client.getOutputStream().write(1);
      client.getOutputStream().flush();
      if (client.getInputStream().read() < 0) {
        throw new IOException("the echo closed");
      }
      millis.add((System.nanoTime() - start) / 1e6);
    } catch (IOException e) {
      // closed with the probe: no more samples
      sender.shutdown();
    }
  }

  /** The q-quantile of the round trips so far, in ms (0 when there are none). */
  double quantile(double q) {
    List<Double> sorted;
    synchronized (millis) {
      sorted = new ArrayList<>(millis);
    }
    if (sorted.isEmpty()) {
      return 0;
    }
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  int samples() {
    return millis.size();
  }

  @Override
  public void close() throws IOException {
    sender.shutdownNow();
    client.close();
    server.close();
  }
}
