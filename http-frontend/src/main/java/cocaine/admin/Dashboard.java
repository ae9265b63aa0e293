package cocaine.admin;

import cocaine.tracing.Span;
import cocaine.tracing.Tracing;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tracing dashboard of the admin API: the page ({@code /dashboard}), the spans of a trace
 * ({@code /api/traces/<hex id>}), the latest spans ({@code /api/spans}), per-app totals
 * ({@code /api/stats}) and the live feed ({@code /api/events}, server-sent events: {@code spans}
 * batches and a {@code stats} event every second). Each viewer of the feed has a bounded span
 * queue: a viewer that reads slower than spans come loses the overflow, counted and shown to it.
 */
final class Dashboard {
  private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
  private static final ContentType EVENT_STREAM = MediaTypes.TEXT_EVENT_STREAM.toContentType();
  private static final ContentType JS = ContentTypes.parse("text/javascript; charset=utf-8");

  private final Tracing tracing;
  private final DashboardStats stats;
  private final ObjectMapper json;
  private final int viewerBuffer;
  private final int maxViewers;
  private final int maxSpans;
  private final Duration statsInterval;
  private final AtomicInteger viewers = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final byte[] page;
  private final byte[] script;
  private final DashboardPeers peers;
  private final DashboardHistory history;
  private final Duration sampleInterval;
  /** Live viewers' span queues take local spans and the peers' span views. */
  private final List<Consumer<List<Map<String, Object>>>> peerListeners = new CopyOnWriteArrayList<>();

  private Dashboard(ActorSystem<?> system, Tracing tracing, Config c, ObjectMapper json, String token) {
    this.tracing = tracing;
    this.json = json;
    this.peers = new DashboardPeers(system, json, c.getStringList("peers").stream()
        .map(p -> p.endsWith("/") ? p.substring(0, p.length() - 1) : p).toList(), c.getDuration("peer-timeout"), token);
    this.sampleInterval = c.getDuration("sample-interval");
    if (sampleInterval.toMillis() < 100) {
      throw new IllegalArgumentException("cocaine.tracing.dashboard.sample-interval must be at least 100ms, got "
          + sampleInterval.toMillis() + "ms");
    }
    this.history = new DashboardHistory((int) (c.getDuration("history").toMillis() / sampleInterval.toMillis()),
        c.getInt("max-apps"));
    this.viewerBuffer = c.getInt("viewer-buffer");
    this.maxViewers = c.getInt("max-viewers");
    this.maxSpans = c.getInt("max-spans");
    this.statsInterval = c.getDuration("stats-interval");
    this.stats = new DashboardStats(c.getInt("max-apps"));
    this.page = resource("dashboard.html");
    this.script = resource("dashboard.js");
  }

  /**
   * Reads {@code cocaine.tracing.dashboard} of the system's config and starts counting the spans of
   * this process.
   *
   * @param token the admin token, also sent to the peers
   */
  static Dashboard create(ActorSystem<?> system, ObjectMapper json, String token) {
    Dashboard d = new Dashboard(system, Tracing.process(),
        system.settings().config().getConfig("cocaine.tracing.dashboard"), json, token);
    d.tracing.subscribe(d.stats::add);
    system.scheduler().scheduleAtFixedRate(d.sampleInterval, d.sampleInterval,
        () -> d.stats.sample(System.currentTimeMillis(), d.history), system.executionContext());
    if (!d.peers.peers().isEmpty()) {
      system.scheduler().scheduleAtFixedRate(Duration.ZERO, d.statsInterval,
          () -> d.peers.poll(spans -> d.peerListeners.forEach(l -> l.accept(spans))), system.executionContext());
    }
    return d;
  }

  /** Serves path (under /dashboard or /api/), or empty when it is none of the dashboard's. */
  HttpResponse handle(String path, String query) {
    if (path.equals("/dashboard") || path.equals("/dashboard/")) {
      return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, page));
    }
    if (path.equals("/dashboard/dashboard.js")) {
      return HttpResponse.create().withEntity(HttpEntities.create(JS, script));
    }
    if (path.equals("/api/stats")) {
      return jsonResponse(statsEvent(0));
    }
    if (path.equals("/api/node")) {
      try {
        return jsonResponse(node(SpanView.after(query)));
      } catch (NumberFormatException e) {
        return text(400, "after is the cursor an earlier /api/node answered as next (a number); got "
            + e.getMessage() + "\n");
      }
    }
    if (path.equals("/api/history")) {
      return jsonResponse(historyOf(Map.of(tracing.node(), history.rows()), Map.of()));
    }
    if (path.equals("/api/spans")) {
      List<Span> recent = tracing.recent(SpanView.limit(query, maxSpans));
      return jsonResponse(Map.of("node", tracing.node(), "spans", SpanView.of(recent)));
    }
    if (path.startsWith("/api/traces/")) {
      String hex = path.substring("/api/traces/".length());
      long id;
      try {
        id = Long.parseUnsignedLong(hex, 16);
      } catch (NumberFormatException e) {
        return text(400, "a trace id is 1 to 16 hex digits (the X-Request-Id), got '" + hex + "'\n");
      }
      return jsonResponse(Map.of("trace", Span.hex(id), "spans", SpanView.of(tracing.trace(id))));
    }
    if (path.equals("/api/events")) {
      return events();
    }
    return null;
  }

  /**
   * Like {@link #handle}, and gathered from the peers too ({@code cocaine.tracing.dashboard.peers})
   * unless the query says {@code local}: a trace's spans (the nodes the request passed record
   * theirs) or every node's history. A peer that does not answer in time is named in {@code
   * unreachable}; what the others sent is still shown.
   */
  CompletionStage<HttpResponse> handleAsync(String path, String query) {
    HttpResponse local = handle(path, query);
    if (local == null || peers.peers().isEmpty() || local.status().intValue() != 200
        || (query != null && query.contains("local"))) {
      return CompletableFuture.completedFuture(local);
    }
    if (path.equals("/api/history")) {
      return peers.history(tracing.node(), history.rows())
          .thenApply(gathered -> jsonResponse(historyOf(gathered.nodes(), gathered.unreachable())));
    }
    if (!path.startsWith("/api/traces/")) {
      return CompletableFuture.completedFuture(local);
    }
    long id = Long.parseUnsignedLong(path.substring("/api/traces/".length()), 16);
    return peers.trace(Span.hex(id), SpanView.of(tracing.trace(id))).thenApply(gathered -> {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("trace", Span.hex(id));
      out.put("spans", gathered.spans());
      out.put("unreachable", gathered.unreachable());
      return jsonResponse(out);
    });
  }

  private Map<String, Object> historyOf(Map<String, Object> nodes, Map<String, String> unreachable) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", tracing.node());
    out.put("interval_ms", sampleInterval.toMillis());
    out.put("size", history.size());
    out.put("fields", DashboardHistory.FIELDS);
    out.put("nodes", nodes);
    out.put("unreachable", unreachable);
    return out;
  }

  /**
   * This process as a peer sees it ({@code /api/node}): its totals, routing split and latest
   * samples, and its spans since cursor after (below 0: none, only the cursor to go on from).
   */
  private Map<String, Object> node(long after) {
    Tracing.Batch batch = tracing.since(after, maxSpans);
    Map<String, Object> out = summary();
    out.put("next", batch.next());
    out.put("spans", SpanView.of(batch.spans()));
    return out;
  }

  /** What the cluster view shows of this node. */
  private Map<String, Object> summary() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", tracing.node());
    out.put("tracing", tracing.enabled());
    out.put("recorded", tracing.recorded());
    out.put("apps", stats.snapshot());
    out.put("routing", stats.routing());
    out.put("latest", history.latest());
    return out;
  }

  private HttpResponse events() {
    if (viewers.incrementAndGet() > maxViewers) {
      viewers.decrementAndGet();
      log.info("dashboard refused a live viewer: {} already watch (cocaine.tracing.dashboard.max-viewers)", maxViewers);
      return text(503, "too many live viewers (" + maxViewers + "); close one or raise "
          + "cocaine.tracing.dashboard.max-viewers\n");
    }
    AtomicLong mine = new AtomicLong();
    // local spans as they are, the peers' as the views they sent
    Source<ByteString, NotUsed> spans = Source.<Object>queue(viewerBuffer)
        .mapMaterializedValue((BoundedSourceQueue<Object> queue) -> {
          Consumer<Object> offer = s -> {
            if (queue.offer(s) != QueueOfferResult.enqueued()) {
              mine.incrementAndGet();
              dropped.incrementAndGet();
            }
          };
          Runnable local = tracing.subscribe(offer::accept);
          Consumer<List<Map<String, Object>>> remote = list -> list.forEach(offer);
          peerListeners.add(remote);
          return (Runnable) () -> {
            local.run();
            peerListeners.remove(remote);
          };
        })
        .watchTermination((unsubscribe, done) -> {
          done.whenComplete((d, e) -> {
            unsubscribe.run();
            viewers.decrementAndGet();
          });
          return NotUsed.getInstance();
        })
        .groupedWithin(256, Duration.ofMillis(250))
        .map(batch -> sse("spans", SpanView.of(batch)));
    // ticks a slow viewer cannot take are skipped: the next one carries the latest totals
    Source<ByteString, NotUsed> ticks = Source.tick(Duration.ZERO, statsInterval, "tick")
        .map(t -> sse("stats", statsEvent(mine.get())))
        .mapMaterializedValue(c -> NotUsed.getInstance());
    Source<ByteString, NotUsed> stream = Source.single(ByteString.fromString("retry: 2000\n\n"))
        .concat(spans.merge(ticks, true));
    return HttpResponse.create()
        .addHeader(RawHeader.create("Cache-Control", "no-cache"))
        .withEntity(HttpEntities.createChunked(EVENT_STREAM, stream));
  }

  private Map<String, Object> statsEvent(long viewerDropped) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", tracing.node());
    out.put("tracing", tracing.enabled());
    out.put("recorded", tracing.recorded());
    out.put("dropped", viewerDropped);
    out.put("dropped_all_viewers", dropped.get());
    out.put("viewers", viewers.get());
    out.put("apps", stats.snapshot());
    Map<String, Object> nodes = new LinkedHashMap<>();
    nodes.put(tracing.node(), summary());
    peers.nodes().forEach(nodes::putIfAbsent);
    out.put("nodes", nodes);
    out.put("unreachable", peers.unreachable());
    return out;
  }

  private ByteString sse(String event, Object data) throws JsonProcessingException {
    return ByteString.fromString("event: " + event + "\ndata: " + json.writeValueAsString(data) + "\n\n");
  }

  private HttpResponse jsonResponse(Object body) {
    try {
      return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
          json.writeValueAsBytes(body)));
    } catch (JsonProcessingException e) {
      log.error("cannot render dashboard data", e);
      return text(500, "cannot render dashboard data: " + e.getMessage() + "\n");
    }
  }

  private static HttpResponse text(int status, String body) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, body));
  }

  private static byte[] resource(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
