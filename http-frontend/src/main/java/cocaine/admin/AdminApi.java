package cocaine.admin;

import cocaine.config.AdminSettings;
import cocaine.config.Settings;
import cocaine.security.AccessToken;
import cocaine.tls.HttpsSettings;
import cocaine.tls.Listeners;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API (default 127.0.0.1:8081): {@code GET /ping}, {@code GET /info} (the proxy's
 * pools as JSON), {@code GET /metrics} (Prometheus text) and the tracing {@link Dashboard}
 * ({@code /dashboard}, {@code /api/...}). With a token configured every call
 * needs {@code Authorization: Bearer <token>}, else 401. With a certificate configured
 * ({@code cocaine.admin.tls}) it is served over HTTPS as well, or only ({@link Listeners}).
 */
public final class AdminApi {
  private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
  /** The Prometheus text format's content type. */
  static final ContentType PROMETHEUS = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final AdminSettings settings;
  private final ProxyMetrics metrics;
  private final Materializer mat;
  private final ObjectMapper json = new ObjectMapper();
  private final AccessToken access;
  private final Dashboard dashboard;

  private AdminApi(AdminSettings settings, AccessToken access, ProxyMetrics metrics, Materializer mat,
      ActorSystem<?> system) {
    this.settings = settings;
    this.access = access;
    this.dashboard = Dashboard.create(system, json, settings.token());
    this.metrics = metrics;
    this.mat = mat;
  }

  /**
   * Binds the admin API on {@code cocaine.admin.host:port} of settings, and HTTPS as
   * {@code cocaine.admin.http} and {@code cocaine.admin.tls} say; its token is
   * {@code cocaine.admin.token}, or the shared {@code cocaine.security} token when that is empty.
   */
  public static CompletionStage<Listeners> start(ActorSystem<?> system, Settings settings, ProxyMetrics metrics) {
    AccessToken access = settings.admin().requiresToken() ? AccessToken.of(settings.admin().token(), Set.of())
        : AccessToken.from(settings.config());
    return start(system, settings.admin(), HttpsSettings.from(settings.config(), "cocaine.admin"), access, metrics);
  }

  /**
   * Binds the admin API on {@code host:port} over plain HTTP with {@code cocaine.admin.token}; fails
   * when the address cannot be bound.
   */
  public static CompletionStage<Listeners> start(ActorSystem<?> system, AdminSettings settings,
      ProxyMetrics metrics) {
    return start(system, settings, HttpsSettings.PLAIN, AccessToken.of(settings.token(), Set.of()), metrics);
  }

  private static CompletionStage<Listeners> start(ActorSystem<?> system, AdminSettings settings, HttpsSettings https,
      AccessToken access, ProxyMetrics metrics) {
    AdminApi api = new AdminApi(settings, access, metrics, Materializer.matFromSystem(system), system);
    return Listeners.bind(system, "admin API", settings.host(), settings.port(), https,
            ServerSettings.create(system.classicSystem()), api::handleAsync)
        .whenComplete((listeners, failure) -> {
          if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
            log.error("admin API cannot start on {}:{}{}: {}", settings.host(), settings.port(),
                https.tls().map(t -> " (https port " + t.port() + ")").orElse(""), cause.getMessage());
          } else {
            log.info("admin API listening on {}{}", listeners, access.required() ? " (bearer token required)" : "");
          }
        });
  }

  /** Gathering a trace or the history from the dashboard's peers takes a while; the rest answers at once. */
  CompletionStage<HttpResponse> handleAsync(HttpRequest request) {
    String path = request.getUri().path();
    if ((path.startsWith("/api/traces/") || path.equals("/api/history")) && request.method().equals(HttpMethods.GET)
        && (!access.required() || authorized(request))) {
      request.discardEntityBytes(mat);
      return dashboard.handleAsync(path, request.getUri().rawQueryString().orElse(null));
    }
    return java.util.concurrent.CompletableFuture.completedFuture(handle(request));
  }

  HttpResponse handle(HttpRequest request) {
    request.discardEntityBytes(mat);
    if (access.required() && !authorized(request)) {
      log.info("admin API refused {} {}: missing or wrong bearer token", request.method().value(),
          request.getUri().path());
      return text(401, "this admin API needs the header Authorization: Bearer <token> (cocaine.admin.token or cocaine.security.token)\n")
          .addHeader(RawHeader.create("WWW-Authenticate", "Bearer realm=\"cocaine\""));
    }
    String path = request.getUri().path();
    if (!request.method().equals(HttpMethods.GET) && !request.method().equals(HttpMethods.HEAD)) {
      return text(405, "only GET is served here\n");
    }
    if (path.startsWith("/dashboard") || path.startsWith("/api/")) {
      HttpResponse r = dashboard.handle(path, request.getUri().rawQueryString().orElse(null));
      if (r != null) {
        return r;
      }
    }
    return switch (path) {
      case "/" -> HttpResponse.create().withStatus(StatusCodes.FOUND)
          .addHeader(RawHeader.create("Location", "/dashboard"));
      case "/ping" -> text(200, "OK\n");
      case "/info" -> info();
      case "/metrics" -> HttpResponse.create().withEntity(HttpEntities.create(PROMETHEUS,
          metrics.scrape().getBytes(StandardCharsets.UTF_8)));
      default -> text(404, "no such admin resource: " + path + " (try /ping, /info, /metrics, /dashboard)\n");
    };
  }

  private HttpResponse info() {
    Map<String, Object> pools = new LinkedHashMap<>();
    metrics.pools().forEach((app, p) -> {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("connections", p.connections());
      one.put("in-flight", p.inFlight());
      one.put("waiting", p.waiting());
      one.put("endpoints", p.endpoints());
      pools.put(app, one);
    });
    try {
      return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
          json.writeValueAsBytes(Map.of("pools", pools))));
    } catch (JsonProcessingException e) {
      log.error("cannot render /info", e);
      return text(500, "cannot render /info: " + e.getMessage() + "\n");
    }
  }

  private boolean authorized(HttpRequest request) {
    return request.getHeader("Authorization")
        .map(h -> access.accepts(h.value()))
        .orElse(false);
  }

  private static HttpResponse text(int status, String body) {
    return HttpResponse.create().withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, body));
  }
}
