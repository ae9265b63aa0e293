package cocaine.cli;

import cocaine.logging.LogQuery;
import cocaine.logging.Severity;
import cocaine.logging.search.LogSearch;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine logs [-f] [--app A] [--since 10m] [--level L] [--grep TEXT]}: log lines read back,
 * oldest first, from the search engine the runtimes ship them to when one is named ({@code --url} or
 * {@code $COCAINE_SEARCH_URL}), else from the log ring of the node at {@code --host/--port} (see
 * {@link RingLogs}), else from the search engine at its default address. {@code -f} keeps printing
 * new lines, without gaps or repeats, until Ctrl-C.
 */
@Command(name = "logs", description = "Print log lines from the node's log ring or a search engine"
    + " (Elasticsearch/OpenSearch); -f to follow.")
public final class LogsCommand implements Callable<Integer> {
  private static final int PAGE = 500;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Longest a Ctrl-C waits for the page being printed. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(2);

  @Option(names = {"-f", "--follow"}, description = "keep printing new lines until Ctrl-C")
  boolean follow;

  @Option(names = "--app", paramLabel = "APP", description = "only lines of this app (source app/APP)")
  String app;

  @Option(names = "--since", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10m",
      description = "only lines of the last DURATION (default: ${DEFAULT-VALUE})")
  Duration since;

  @Option(names = "--level", paramLabel = "LEVEL", defaultValue = "debug",
      description = "lowest severity shown: debug, info, warning or error (default: ${DEFAULT-VALUE})")
  String level;

  @Option(names = "--grep", paramLabel = "TEXT", description = "only lines whose message contains TEXT (case-insensitive)")
  String grep;

  static final String DEFAULT_URL = "http://127.0.0.1:9201";

  @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:COCAINE_SEARCH_URL}",
      description = "the search engine the runtimes ship logs to (cocaine.logging.search.url); default:"
          + " $COCAINE_SEARCH_URL, else the log ring of the node at --host/--port, else " + DEFAULT_URL)
  String url;

  @Option(names = "--index-prefix", paramLabel = "PREFIX", defaultValue = "cocaine-",
      description = "cocaine.logging.search.index-prefix (default: ${DEFAULT-VALUE})")
  String indexPrefix;

  @Option(names = "--settle", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "3s",
      description = "with -f: show a line once it was shipped this long ago (whole seconds), so batches still"
          + " being indexed are not skipped (default: ${DEFAULT-VALUE})")
  Duration settle;

  @Option(names = "--poll", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "1s",
      description = "with -f: how often to ask for new lines (default: ${DEFAULT-VALUE})")
  Duration poll;

  @Mixin
  Target target;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Severity minimum = severity(level);
    URI engine = engineUrl(url == null || url.isBlank() ? DEFAULT_URL : url);
    if (since.isNegative() || settle.isNegative() || poll.isNegative() || poll.isZero()) {
      throw new IllegalArgumentException("--since and --settle must be >= 0 and --poll > 0");
    }
    Duration timeout = target.timeout;
    boolean json = target.json;
    LogSearch search = new LogSearch(engine, indexPrefix, timeout);
    LogQuery filter = new LogQuery(Optional.ofNullable(app), Instant.now().minus(since), minimum,
        Optional.ofNullable(grep).filter(g -> !g.isEmpty()));
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    // Ctrl-C: stop between pages, so a line is printed whole or not at all
    Thread onSignal = new Thread(() -> {
      stop.countDown();
      try {
        stopped.await(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "cocaine-logs-stop");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      String ringProblem = null;
      if (url == null || url.isBlank()) {
        try {
          new RingLogs(target.host, target.port, target.authorization(), timeout, poll, json).print(filter, follow, out,
              spec.commandLine().getErr(), stop);
          return 0;
        } catch (RingLogs.Unavailable e) {
          ringProblem = e.getMessage();
        }
      }
      // settle applies from the first page when following: the backlog and the tail share one cursor
      Duration window = follow ? settle : Duration.ZERO;
      List<Object> after;
      try {
        after = printAll(search, filter, List.of(), window, out, stop, json);
      } catch (IOException e) {
        if (ringProblem == null) {
          throw e;
        }
        throw new IOException("no log store answers: " + ringProblem + "; and " + e.getMessage());
      }
      boolean failing = false;
      while (follow && !stop.await(poll.toMillis(), TimeUnit.MILLISECONDS)) {
        try {
          after = printAll(search, filter, after, window, out, stop, json);
          if (failing) {
            spec.commandLine().getErr().println("cocaine: the search engine at " + search.url() + " answers again");
            failing = false;
          }
        } catch (IOException e) {
          // a tail outlives an engine restart: same cursor, nothing skipped
          if (!failing) {
            spec.commandLine().getErr().println("cocaine: " + FailureReport.explain(e, spec.commandLine()) + "; retrying every "
                + poll.toMillis() + " ms");
          }
          failing = true;
        }
      }
      return 0;
    } finally {
      out.flush();
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for this
      }
    }
  }

  private List<Object> printAll(LogSearch search, LogQuery filter, List<Object> after, Duration window,
      PrintWriter out, CountDownLatch stop, boolean json) throws IOException, InterruptedException {
    LogSearch.Page page;
    do {
      try {
        page = search.page(filter, after, PAGE, window);
      } catch (ConnectException e) {
        throw new IOException("cannot reach the search engine at " + search.url() + " (is it running? see --url)");
      }
      for (LogSearch.Line line : page.lines()) {
        out.println(json ? JSON.writeValueAsString(line.document()) : line.format());
      }
      out.flush();
      after = page.after();
    } while (page.lines().size() == PAGE && stop.getCount() > 0);
    return after;
  }

  private static Severity severity(String text) {
    try {
      return Severity.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--level must be debug, info, warning or error, got '" + text + "'");
    }
  }

  private static URI engineUrl(String text) {
    try {
      URI uri = URI.create(text.trim());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--url must be the engine's http(s) URL, e.g. http://127.0.0.1:9200, got '"
          + text + "'");
    }
  }
}
