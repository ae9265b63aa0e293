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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
  private final List<String> peers;
  private final Duration peerTimeout;
  private final Optional<String> authorization;
  private final ActorSystem<?> system;

  private Dashboard(ActorSystem<?> system, Tracing tracing, Config c, ObjectMapper json, String token) {
    this.system = system;
    this.tracing = tracing;
    this.json = json;
    this.peers = c.getStringList("peers").stream().map(p -> p.endsWith("/") ? p.substring(0, p.length() - 1) : p)
        .toList();
    this.peerTimeout = c.getDuration("peer-timeout");
    this.authorization = token.isEmpty() ? Optional.empty() : Optional.of("Bearer " + token);
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
    if (path.equals("/api/spans")) {
      return jsonResponse(Map.of("node", tracing.node(), "spans", view(tracing.recent(limit(query)))));
    }
    if (path.startsWith("/api/traces/")) {
      String hex = path.substring("/api/traces/".length());
      long id;
      try {
        id = Long.parseUnsignedLong(hex, 16);
      } catch (NumberFormatException e) {
        return text(400, "a trace id is 1 to 16 hex digits (the X-Request-Id), got '" + hex + "'\n");
      }
      return jsonResponse(Map.of("trace", Span.hex(id), "spans", view(tracing.trace(id))));
    }
    if (path.equals("/api/events")) {
      return events();
    }
    return null;
  }

  /**
   * Like {@link #handle}, and a trace's spans gathered from the peers too ({@code
   * cocaine.tracing.dashboard.peers}) unless the query says {@code local}: the nodes the request
   * passed record their spans there. A peer that does not answer in time is named in {@code
   * unreachable}; the spans of the others are still shown.
   */
  CompletionStage<HttpResponse> handleAsync(String path, String query) {
    HttpResponse local = handle(path, query);
    if (local == null || peers.isEmpty() || !path.startsWith("/api/traces/") || local.status().intValue() != 200
        || (query != null && query.contains("local"))) {
      return CompletableFuture.completedFuture(local);
    }
    long id = Long.parseUnsignedLong(path.substring("/api/traces/".length()), 16);
    List<CompletableFuture<Object>> asked = new ArrayList<>();
    for (String peer : peers) {
      asked.add(peerSpans(peer, Span.hex(id)).toCompletableFuture());
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new)).handle((v, e) -> {
      List<Map<String, Object>> spans = new ArrayList<>(view(tracing.trace(id)));
      Map<String, String> unreachable = new LinkedHashMap<>();
      for (int i = 0; i < peers.size(); i++) {
        Object got = asked.get(i).join();
        if (got instanceof List<?> list) {
          for (Object s : list) {
            @SuppressWarnings("unchecked")
            Map<String, Object> span = (Map<String, Object>) s;
            spans.add(span);
          }
        } else {
          unreachable.put(peers.get(i), String.valueOf(got));
        }
      }
      spans.sort((a, b) -> Long.compare(((Number) a.get("start")).longValue(), ((Number) b.get("start")).longValue()));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("trace", Span.hex(id));
      out.put("spans", spans);
      out.put("unreachable", unreachable);
      return jsonResponse(out);
    });
  }

  /** The peer's spans of a trace as a list, or why not as a string; never fails. */
  private CompletionStage<Object> peerSpans(String peer, String hex) {
    HttpRequest request = HttpRequest.GET(peer + "/api/traces/" + hex + "?local=1");
    if (authorization.isPresent()) {
      request = request.addHeader(RawHeader.create("Authorization", authorization.get()));
    }
    return Http.get(system).singleRequest(request)
        .thenCompose(r -> r.entity().toStrict(peerTimeout.toMillis(), system)
            .thenApply(body -> {
              if (r.status().intValue() != 200) {
                return (Object) ("HTTP " + r.status().intValue());
              }
              try {
                return (Object) json.readValue(body.getData().toArray(), Map.class).get("spans");
              } catch (IOException e) {
                return (Object) ("not a trace: " + e.getMessage());
              }
            }))
        .toCompletableFuture()
        .completeOnTimeout("no answer within " + peerTimeout.toMillis() + " ms", peerTimeout.toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(e -> (e.getCause() != null ? e.getCause() : e).toString());
  }

  private int limit(String query) {
    if (query != null) {
      for (String part : query.split("&")) {
        if (part.startsWith("limit=")) {
          try {
            return Math.max(1, Math.min(maxSpans, Integer.parseInt(part.substring(6))));
          } catch (NumberFormatException e) {
            break;
          }
        }
      }
    }
    return maxSpans;
  }

  private HttpResponse events() {
    if (viewers.incrementAndGet() > maxViewers) {
      viewers.decrementAndGet();
      log.info("dashboard refused a live viewer: {} already watch (cocaine.tracing.dashboard.max-viewers)", maxViewers);
      return text(503, "too many live viewers (" + maxViewers + "); close one or raise "
          + "cocaine.tracing.dashboard.max-viewers\n");
    }
    AtomicLong mine = new AtomicLong();
    Source<ByteString, NotUsed> spans = Source.<Span>queue(viewerBuffer)
        .mapMaterializedValue((BoundedSourceQueue<Span> queue) -> tracing.subscribe(s -> {
          if (queue.offer(s) != QueueOfferResult.enqueued()) {
            mine.incrementAndGet();
            dropped.incrementAndGet();
          }
        }))
        .watchTermination((unsubscribe, done) -> {
          done.whenComplete((d, e) -> {
            unsubscribe.run();
            viewers.decrementAndGet();
          });
          return NotUsed.getInstance();
        })
        .groupedWithin(256, Duration.ofMillis(250))
        .map(batch -> sse("spans", view(batch)));
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

  /** Spans as the page reads them: ids as hex strings, since JavaScript numbers hold only 53 bits. */
  private static List<Map<String, Object>> view(List<Span> spans) {
    List<Map<String, Object>> out = new ArrayList<>(spans.size());
    for (Span s : spans) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("trace", Span.hex(s.traceId()));
      m.put("span", Span.hex(s.spanId()));
      m.put("parent", s.parentId() == 0 ? "" : Span.hex(s.parentId()));
      m.put("name", s.name());
      m.put("node", s.node());
      m.put("app", s.app());
      m.put("slot", s.slot());
      m.put("start", s.startMicros());
      m.put("duration", s.durationMicros());
      m.put("error", s.error());
      m.put("attributes", s.attributes());
      out.add(m);
    }
    return out;
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
