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

/**
 * The baseline of a latency bound: one-byte round trips through a loopback TCP echo (a thread on
 * each side), sent at a steady rate while a test's load runs. Its percentiles are what this host's
 * scheduling alone adds to a trivial request at that moment, so a bound stated as "so much more than
 * the probe" holds on a quiet machine and on a busy one alike.
 */
final class LatencyProbe implements AutoCloseable {
  private final ServerSocket server;
  private final Thread echo;
  private final Thread sender;
  private final List<Double> millis = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean running = true;

  LatencyProbe(Duration interval) throws IOException {
    server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    echo = new Thread(this::echo, "latency-probe-echo");
    echo.setDaemon(true);
    echo.start();
    Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
    client.setTcpNoDelay(true);
    sender = new Thread(() -> send(client, interval), "latency-probe-sender");
    sender.setDaemon(true);
    sender.start();
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

  private void send(Socket client, Duration interval) {
    try (client) {
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      while (running) {
        long start = System.nanoTime();
        out.write(1);
        out.flush();
        if (in.read() < 0) {
          return;
        }
        millis.add((System.nanoTime() - start) / 1e6);
        Thread.sleep(interval.toMillis());
      }
    } catch (IOException | InterruptedException e) {
      // closed with the probe
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
    running = false;
    sender.interrupt();
    server.close();
  }
}
