package cocaine.cli;

import cocaine.client.ClientChannel;
import cocaine.client.LoggingClient;
import cocaine.client.ServiceClient;
import cocaine.logging.LogQuery;
import cocaine.logging.Severity;
import cocaine.logging.search.LogIndex;
import cocaine.logging.search.LogSearch;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cocaine logs} against the node's log ring (the logging service's {@code read}), for a node
 * without a search engine: the same lines, filters and format. Following remembers the position of
 * the last line printed and, when the runtime goes away, asks again from the next one once it is
 * back, so a restart loses no line and repeats none.
 */
final class RingLogs {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why the ring cannot answer: the node is not reachable or keeps no ring. */
  static final class Unavailable extends Exception {
    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final String host;
  private final int port;
  private final List<cocaine.wire.Header> authorization;
  private final Duration timeout;
  private final Duration poll;
  private final boolean json;

  /** @param authorization sent with each read: the lines hold workers' output */
  RingLogs(String host, int port, List<cocaine.wire.Header> authorization, Duration timeout, Duration poll,
      boolean json) {
    this.host = host;
    this.port = port;
    this.authorization = List.copyOf(authorization);
    this.timeout = timeout;
    this.poll = poll;
    this.json = json;
  }

  /**
   * Prints the ring's matching lines; with {@code follow}, new ones until {@code stop}.
   *
   * @throws Unavailable when the first read cannot be made: nothing was printed
   */
  void print(LogQuery query, boolean follow, PrintWriter out, PrintWriter err, CountDownLatch stop)
      throws Unavailable, InterruptedException {
    Map<String, Object> wire = wire(query);
    long from;
    try (LoggingClient logging = connect()) {
      from = pump(logging.read(0, wire, follow), 0, follow, out, stop);
      if (!follow) {
        return;
      }
    } catch (CocaineException e) {
      if (e.code().category() == ErrorCode.CATEGORY_SECURITY) {
        // the ring is there but needs the token: another store would not be what was asked for
        throw e;
      }
      throw new Unavailable(reason(e), e);
    } catch (IOException e) {
      throw new Unavailable(reason(e), e);
    } catch (Interrupted e) {
      return;
    } catch (Lost e) {
      if (!follow) {
        throw new java.io.UncheckedIOException(new IOException("lost the logging service at " + host + ":" + port
            + " in the middle of the lines: " + e.getMessage()));
      }
      from = e.from;
      err.println("cocaine: lost the logging service at " + host + ":" + port + " (" + e.getMessage()
          + "); retrying every " + poll.toMillis() + " ms");
      err.flush();
    }
    follow(wire, from, out, err, stop);
  }

  /** Reconnects until {@code stop}, each time from the line after the last one printed. */
  private void follow(Map<String, Object> wire, long from, PrintWriter out, PrintWriter err, CountDownLatch stop)
      throws InterruptedException {
    boolean failing = true;
    while (!stop.await(poll.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      try (LoggingClient logging = connect()) {
        ClientChannel channel = logging.read(from, wire, true);
        if (failing) {
          err.println("cocaine: the logging service at " + host + ":" + port + " answers again");
          err.flush();
          failing = false;
        }
        // a following read ends only when the runtime stops: go round and ask again
        from = pump(channel, from, true, out, stop);
      } catch (Lost e) {
        from = e.from;
        if (!failing) {
          err.println("cocaine: lost the logging service (" + e.getMessage() + "); retrying every " + poll.toMillis() + " ms");
          err.flush();
        }
        failing = true;
      } catch (IOException | CocaineException e) {
        failing = true;
      } catch (Interrupted e) {
        return;
      }
    }
  }

  /** The channel broke after lines up to {@code from - 1} were printed. */
  private static final class Lost extends Exception {
    final long from;

    Lost(long from, String message) {
      super(message);
      this.from = from;
    }
  }

  /** Ctrl-C between two lines. */
  private static final class Interrupted extends Exception {}

  /** Prints each line until the channel closes; returns the position after the last one printed. */
  private long pump(ClientChannel channel, long from, boolean follow, PrintWriter out, CountDownLatch stop)
      throws Lost, Interrupted, IOException {
    boolean first = true;
    while (true) {
      if (stop.getCount() == 0) {
        channel.cancel();
        throw new Interrupted();
      }
      Message m;
      try {
        m = channel.receive(first ? timeout : poll);
      } catch (CocaineException e) {
        throw new Lost(from, e.getMessage());
      }
      if (m == null) {
        if (first && !follow) {
          throw new CocaineException(ErrorCode.TIMEOUT, "the logging service did not answer within "
              + timeout.toMillis() + " ms");
        }
        out.flush();
        continue;
      }
      switch (m.type()) {
        case Graph.WRITE -> {
          LoggingClient.Line line = LoggingClient.Line.of(m.args());
          out.println(format(line));
          from = line.position() + 1;
        }
        case Graph.ERROR -> {
          CocaineException e = m.toException();
          if (first) {
            throw e;
          }
          throw new Lost(from, e.getMessage());
        }
        default -> {
          out.flush();
          return from;
        }
      }
      first = false;
    }
  }

  private LoggingClient connect() throws IOException {
    return new LoggingClient(ServiceClient.connect(host, port, "logging"), timeout, authorization);
  }

  private String format(LoggingClient.Line line) throws IOException {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put(LogIndex.TIMESTAMP, line.timestamp());
    Severity severity = Severity.ofLevel(line.level());
    document.put(LogIndex.LEVEL, severity == null ? String.valueOf(line.level()) : severity.label());
    document.put(LogIndex.SOURCE, line.source());
    document.put(LogIndex.MESSAGE, line.message());
    document.put(LogIndex.ATTRIBUTES, line.attributes());
    document.put("position", line.position());
    return json ? JSON.writeValueAsString(document) : new LogSearch.Line(document, List.of()).format();
  }

  static Map<String, Object> wire(LogQuery query) {
    Map<String, Object> wire = new LinkedHashMap<>();
    query.app().ifPresent(app -> wire.put("app", app));
    wire.put("since", query.since().toEpochMilli());
    wire.put("level", query.level().level());
    query.grep().ifPresent(grep -> wire.put("grep", grep));
    return wire;
  }

  private String reason(Exception e) {
    if (e instanceof CocaineException c && c.code().equals(ErrorCode.NOT_FOUND)) {
      return "the node at " + host + ":" + port + " keeps no log ring (cocaine.logging.ring.enabled = false)";
    }
    return "the node at " + host + ":" + port + " does not answer (" + e.getMessage() + ")";
  }
}
