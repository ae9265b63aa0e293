package cocaine.logging.search;

import cocaine.logging.LogRecord;
import cocaine.logging.Severity;
import cocaine.logging.Sink;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ships records to Elasticsearch or OpenSearch through {@code _bulk}, in batches, on its own thread
 * (layout: {@link LogIndex}). Records wait in a queue of {@code queue-limit}; while the engine is
 * down the batch in hand is retried with back-off and the queue fills; past the limit records are
 * dropped and counted, and the count is reported (runtime log line and a document), never silent.
 */
public final class SearchSink implements Sink {
  private static final Logger log = LoggerFactory.getLogger(SearchSink.class);
  private static final String NDJSON = "application/x-ndjson";
  // close() cannot wake a thread blocked on the queue, so waits for records are cut in slices
  private static final Duration WAKE_UP = Duration.ofMillis(100);

  private final SearchSinkSettings settings;
  private final HttpClient http;
  private final Clock clock;
  private final EngineAddress engine;
  private final ObjectMapper json = new ObjectMapper();
  private final BlockingQueue<LogRecord> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong shipped = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final Thread shipper;
  // ids are <instance>-<sequence>: unique across restarts and nodes, ordered within one sink
  private final String instance = String.format("%08x", ThreadLocalRandom.current().nextInt());

  /** What the sink has done so far. */
  public record Stats(long shipped, long dropped, long rejected, int queued) {}

  private SearchSink(SearchSinkSettings settings, HttpClient http, Clock clock) {
    this.settings = settings;
    this.http = http;
    this.clock = clock;
    this.engine = EngineAddress.of(settings.url());
    this.queue = new ArrayBlockingQueue<>(settings.queueLimit());
    this.shipper = new Thread(new Shipper()::run, "cocaine-log-search");
    this.shipper.setDaemon(true);
  }

  /** Starts the shipping thread; the engine need not be up yet. */
  public static SearchSink start(SearchSinkSettings settings) {
    return start(settings, Clock.systemUTC());
  }

  static SearchSink start(SearchSinkSettings settings, Clock clock) {
    HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.requestTimeout())
        .build();
    SearchSink sink = new SearchSink(settings, http, clock);
    sink.shipper.start();
    log.info("logging: shipping records to {} (indices {}YYYY.MM.DD, queue-limit {})", sink.engine,
        settings.indexPrefix(), settings.queueLimit());
    return sink;
  }

  @Override
  public void accept(LogRecord record) {
    if (closing.getCount() == 0 || !queue.offer(record)) {
      dropped.incrementAndGet();
    }
  }

  /** Records dropped so far: the queue was full, or the sink stopped before it could ship them. */
  public long dropped() {
    return dropped.get();
  }

  public Stats stats() {
    return new Stats(shipped.get(), dropped.get(), rejected.get(), queue.size());
  }

  /** Ships what is queued for at most {@code close-timeout}, then stops; what is left is reported as dropped. */
  @Override
  public void close() {
    closing.countDown();
    try {
      shipper.join(settings.closeTimeout().plus(settings.requestTimeout()).plus(WAKE_UP).toMillis() + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "SearchSink[" + engine + "]";
  }

  /** The exception and the first message along its causes: the JDK client's ConnectException has none itself. */
  static String describe(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c.getMessage() != null && !c.getMessage().isBlank()) {
        return c == e ? e.toString() : e.getClass().getName() + ": " + c.getMessage();
      }
    }
    // the JDK client's refused or timed-out connect carries no message at any depth
    return e instanceof java.net.ConnectException ? "cannot connect: " + e : e.toString();
  }

  /** The shipping thread's state; only that thread touches it. */
  private final class Shipper {
    private long sequence;
    private boolean templateReady;
    private long reportedDrops;
    // drops and failures each have their own report clock, so one never silences the other
    private long lastDropReport = System.nanoTime() - settings.reportInterval().toNanos();
    private long lastFailureReport = lastDropReport;
    private int failures;

    void run() {
      List<Bulk.Entry> batch = new ArrayList<>();
      try {
        while (closing.getCount() > 0) {
          if (batch.isEmpty()) {
            fill(batch);
          }
          reportDrops(batch);
          if (batch.isEmpty()) {
            continue;
          }
          String failure;
          try {
            batch = new ArrayList<>(ship(batch, settings.requestTimeout()));
            if (batch.isEmpty()) {
              recovered();
              continue;
            }
            failure = batch.size() + " documents refused for now (engine busy or shards unavailable)";
          } catch (IOException e) {
            failure = describe(e);
          } catch (RuntimeException e) {
            // a bug must not stop the shipping thread for good: this batch is lost, and said so
            dropped.addAndGet(batch.size());
            log.error("logging: search sink {} failed on a batch of {} records, dropped", engine, batch.size(), e);
            batch = new ArrayList<>();
            continue;
          }
          failures++;
          Duration delay = backoff();
          if (failures == 1 || due(lastFailureReport)) {
            lastFailureReport = System.nanoTime();
            log.warn("logging: search engine {} unusable ({}); retrying {} records in {} ms, {} more queued (queue-limit {})",
                engine, failure, batch.size(), delay.toMillis(), queue.size(), settings.queueLimit());
          }
          // the wait ends early on close()
          closing.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      finish(batch);
    }

    /** Waits up to flush-interval for a first record, then up to flush-interval more for the batch to fill. */
    private void fill(List<Bulk.Entry> batch) throws InterruptedException {
      LogRecord first = poll(System.nanoTime() + settings.flushInterval().toNanos());
      if (first == null) {
        return;
      }
      batch.add(entry(first));
      long deadline = System.nanoTime() + settings.flushInterval().toNanos();
      List<LogRecord> more = new ArrayList<>();
      while (batch.size() < settings.batchSize()) {
        queue.drainTo(more, settings.batchSize() - batch.size());
        more.forEach(r -> batch.add(entry(r)));
        more.clear();
        if (batch.size() >= settings.batchSize()) {
          return;
        }
        LogRecord next = poll(deadline);
        if (next == null) {
          return;
        }
        batch.add(entry(next));
      }
    }

    /** The next record, or null at the deadline or on close (checked at least every {@link #WAKE_UP}). */
    private LogRecord poll(long deadline) throws InterruptedException {
      while (closing.getCount() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        LogRecord next = queue.poll(Math.min(left, WAKE_UP.toNanos()), TimeUnit.NANOSECONDS);
        if (next != null) {
          return next;
        }
      }
      return null;
    }

    private Bulk.Entry entry(LogRecord record) {
      return new Bulk.Entry(record, instance + "-" + String.format("%012x", sequence++));
    }

    /** Sends the batch; returns what must be sent again. */
    private List<Bulk.Entry> ship(List<Bulk.Entry> batch, Duration timeout) throws IOException, InterruptedException {
      if (!templateReady) {
        installTemplate(timeout);
      }
      byte[] body = Bulk.body(batch, settings.indexPrefix(), settings.node(), clock.instant(), json);
      HttpResponse<byte[]> answer = send("POST", "/_bulk", NDJSON, body, timeout);
      int status = answer.statusCode();
      if (status == 200) {
        Bulk.Outcome outcome = Bulk.outcome(batch, answer.body(), json);
        shipped.addAndGet(outcome.shipped());
        if (!outcome.rejected().isEmpty()) {
          Bulk.Rejection first = outcome.rejected().get(0);
          rejected.addAndGet(outcome.rejected().size());
          log.warn("logging: search engine {} refused {} documents, not retried ({} in total); first: HTTP {} {} (source {})",
              engine, outcome.rejected().size(), rejected.get(), first.status(), first.reason(),
              first.entry().record().source());
        }
        return outcome.retry();
      }
      if (status == 400 || status == 413) {
        // the request itself is unusable: sending it again cannot help, so it is counted and reported
        rejected.addAndGet(batch.size());
        log.error("logging: search engine {} refused a batch of {} records, not retried ({} in total): HTTP {} {}{}",
            engine, batch.size(), rejected.get(), status, Bulk.excerpt(answer.body()),
            status == 413 ? " (lower cocaine.logging.search.batch-size)" : "");
        return List.of();
      }
      throw new IOException("HTTP " + status + " " + Bulk.excerpt(answer.body()));
    }

    private void installTemplate(Duration timeout) throws IOException, InterruptedException {
      String name = LogIndex.templateName(settings.indexPrefix());
      byte[] body = json.writeValueAsBytes(LogIndex.template(settings.indexPrefix(), settings.replicas()));
      HttpResponse<byte[]> answer = send("PUT", "/_index_template/" + name, "application/json", body, timeout);
      int status = answer.statusCode();
      if (status >= 500 || status == 429) {
        throw new IOException("index template " + name + ": HTTP " + status + " " + Bulk.excerpt(answer.body()));
      }
      if (status >= 300) {
        // e.g. no privilege to manage templates: ship anyway, the documents matter more
        log.error("logging: search engine {} refused the index template {}: HTTP {} {}; shipping without it"
            + " (`cocaine logs` needs its mappings: install it by hand)", engine, name, status, Bulk.excerpt(answer.body()));
      }
      templateReady = true;
    }

    private HttpResponse<byte[]> send(String method, String path, String contentType, byte[] body, Duration timeout)
        throws IOException, InterruptedException {
      HttpRequest request = engine.request(path)
          .timeout(timeout)
          .header("Content-Type", contentType)
          .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private Duration backoff() {
      long millis = settings.backoffMin().toMillis() << Math.min(failures - 1, 20);
      return Duration.ofMillis(Math.min(millis, settings.backoffMax().toMillis()));
    }

    private void recovered() {
      if (failures > 0) {
        log.info("logging: search engine {} takes records again after {} failed attempts; {} queued",
            engine, failures, queue.size());
        failures = 0;
      }
    }

    private boolean due(long lastReport) {
      return System.nanoTime() - lastReport >= settings.reportInterval().toNanos();
    }

    /** Drops since the last report go to the runtime's log and, as a document, to the engine. */
    private void reportDrops(List<Bulk.Entry> batch) {
      long total = dropped.get();
      long fresh = total - reportedDrops;
      if (fresh == 0 || !due(lastDropReport)) {
        return;
      }
      lastDropReport = System.nanoTime();
      reportedDrops = total;
      String text = "search sink dropped " + fresh + " records (" + total + " in total): queue-limit "
          + settings.queueLimit() + " was full" + (failures > 0 ? " while the engine was unusable" : "");
      log.warn("logging: {} {}", engine, text);
      batch.add(entry(new LogRecord(clock.instant(), Severity.WARNING, "logging", text,
          Map.of("dropped", fresh, "dropped_total", total))));
    }

    /** At close: one attempt per batch within close-timeout; the rest is counted as dropped. */
    private void finish(List<Bulk.Entry> batch) {
      long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
      List<LogRecord> rest = new ArrayList<>();
      queue.drainTo(rest);
      int next = 0;
      String failure = null;
      while (failure == null) {
        while (batch.size() < settings.batchSize() && next < rest.size()) {
          batch.add(entry(rest.get(next++)));
        }
        long left = deadline - System.nanoTime();
        if (batch.isEmpty() || left <= 0) {
          failure = batch.isEmpty() ? null : "close-timeout " + settings.closeTimeout().toMillis() + " ms passed";
          break;
        }
        try {
          batch = new ArrayList<>(ship(batch, Duration.ofNanos(Math.min(left, settings.requestTimeout().toNanos()))));
          if (!batch.isEmpty()) {
            failure = batch.size() + " documents refused for now";
          }
        } catch (IOException | RuntimeException e) {
          failure = describe(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure = "interrupted";
        }
      }
      long unsent = batch.size() + (rest.size() - next);
      if (unsent > 0) {
        dropped.addAndGet(unsent);
        log.warn("logging: search sink {} stopped with {} records unshipped ({}); {} dropped in total",
            engine, unsent, failure, dropped.get());
      } else if (dropped.get() > reportedDrops) {
        log.warn("logging: search sink {} dropped {} records in total: queue-limit {} was full", engine,
            dropped.get(), settings.queueLimit());
      }
    }
  }
}
