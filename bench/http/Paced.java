import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A paced (open-loop) HTTP/1.1 load client, for latency at a fixed rate where wrk2 is not
 * available: {@code CONNECTIONS} kept-alive connections, each with one thread that sends a POST of
 * {@code BODY} bytes on a fixed schedule ({@code RATE / CONNECTIONS} a second, connections offset
 * evenly). A request's latency runs from its scheduled start, not from when it was sent, so a slow
 * answer also counts against the requests that had to wait behind it (no coordinated omission).
 * The first 3 s (-Dwarmup=S) run at the same rate but are not counted: the connections are
 * made and both sides' code warmed then, as wrk2 calibrates first. Run:
 * {@code java Paced.java URL RATE SECONDS CONNECTIONS BODY}; the last line printed is
 * {@code requests N errors E p50 X p99 Y max Z} (milliseconds, counted requests only).
 */
public final class Paced {
  /**
   * With -Dslow=MS, each request slower than that is printed with when it was due (a stall's time):
   * seconds since the start, and on the monotonic clock, which {@code perf record -k monotonic} uses.
   */
  private static final long SLOW_MS = Long.getLong("slow", 0);
  private static final int WARMUP_SECONDS = Integer.getInteger("warmup", 3);

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    double rate = Double.parseDouble(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int connections = Integer.parseInt(args[3]);
    int bodyBytes = Integer.parseInt(args[4]);
    byte[] body = new byte[bodyBytes];
    Arrays.fill(body, (byte) 'x');
    String path = uri.getRawPath() + (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
    byte[] request = ("POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
        + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + bodyBytes + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    long periodNanos = (long) (connections * 1e9 / rate);
    int perConnection = (int) (rate * (seconds + WARMUP_SECONDS) / connections);
    long counted = TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
    long[][] latencies = new long[connections][perConnection];
    int[] done = new int[connections];
    AtomicLong errors = new AtomicLong();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    Thread[] threads = new Thread[connections];
    for (int c = 0; c < connections; c++) {
      int id = c;
      threads[c] = new Thread(() -> {
        long offset = (long) (id * 1e9 / rate);
        Socket socket = null;
        InputStream in = null;
        OutputStream out = null;
        for (int k = 0; k < perConnection; k++) {
          long scheduled = start + offset + k * periodNanos;
          long wait = scheduled - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          try {
            if (socket == null) {
              socket = new Socket();
              socket.setTcpNoDelay(true);
              socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
              socket.setSoTimeout(10_000);
              in = new BufferedInputStream(socket.getInputStream(), 16384);
              out = socket.getOutputStream();
            }
            out.write(request);
            out.write(body);
            out.flush();
            int status = readResponse(in);
            if (status != 200 && scheduled - start >= counted) {
              errors.incrementAndGet();
            }
            if (scheduled - start < counted) {
              continue;
            }
            latencies[id][done[id]++] = System.nanoTime() - scheduled;
            if (SLOW_MS > 0 && latencies[id][done[id] - 1] > SLOW_MS * 1_000_000L) {
              System.out.printf("slow: %.1f ms at %.3f s (monotonic %.6f s, connection %d)%n",
                  latencies[id][done[id] - 1] / 1e6,
                  (scheduled - start) / 1e9, scheduled / 1e9, id); // nanoTime is CLOCK_MONOTONIC on Linux
            }
          } catch (IOException e) {
            if (scheduled - start >= counted) {
              errors.incrementAndGet();
              latencies[id][done[id]++] = System.nanoTime() - scheduled;
            }
            close(socket);
            socket = null;
          }
        }
        close(socket);
      });
      threads[c].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    int n = 0;
    for (int d : done) {
      n += d;
    }
    long[] all = new long[n];
    int i = 0;
    for (int c = 0; c < connections; c++) {
      System.arraycopy(latencies[c], 0, all, i, done[c]);
      i += done[c];
    }
    Arrays.sort(all);
    double seconds_ = (System.nanoTime() - start - counted) / 1e9;
    System.out.printf("achieved %.0f req/s over %.1f s%n", n / seconds_, seconds_);
    System.out.printf("requests %d errors %d p50 %.2f p99 %.2f max %.2f%n", n, errors.get(), ms(all, 0.50),
        ms(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6);
  }

  private static double ms(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
  }

  private static void close(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException e) {
        // nothing to do
      }
    }
  }

  /** Reads one response (Content-Length or chunked body); returns its status. */
  private static int readResponse(InputStream in) throws IOException {
    String status = line(in);
    int code = Integer.parseInt(status.split(" ")[1]);
    long length = -1;
    boolean chunked = false;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      int colon = h.indexOf(':');
      String name = h.substring(0, colon).trim().toLowerCase();
      String value = h.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        length = Long.parseLong(value);
      } else if (name.equals("transfer-encoding") && value.toLowerCase().contains("chunked")) {
        chunked = true;
      }
    }
    if (chunked) {
      for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0;
          size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
        skip(in, size);
        line(in);
      }
      line(in);
    } else if (length > 0) {
      skip(in, length);
    }
    return code;
  }

  private static void skip(InputStream in, long n) throws IOException {
    while (n > 0) {
      long k = in.skip(n);
      if (k <= 0) {
        if (in.read() < 0) {
          throw new IOException("connection closed in a body");
        }
        k = 1;
      }
      n -= k;
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }
}
