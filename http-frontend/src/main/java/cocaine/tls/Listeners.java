package cocaine.tls;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.japi.function.Function;

/**
 * The bound ports of one HTTP front end (the proxy, the admin API), as {@link HttpsSettings} say:
 * HTTPS with a {@link ReloadingCertificate}, and plain HTTP serving the same handler, redirecting
 * to HTTPS, or not opened. Plain HTTP runs on the runtime's own transport ({@link HttpPort}); HTTPS
 * stays on Pekko IO with pekko-http's TLS.
 */
public final class Listeners {
  private final HttpsSettings.HttpMode mode;
  private final Optional<HttpPort> http;
  private final Optional<ServerBinding> https;
  private final Optional<ReloadingCertificate> certificate;
  private final Optional<Cancellable> watch;

  private Listeners(HttpsSettings.HttpMode mode, Optional<HttpPort> http, Optional<ServerBinding> https,
      Optional<ReloadingCertificate> certificate, Optional<Cancellable> watch) {
    this.mode = mode;
    this.http = http;
    this.https = https;
    this.certificate = certificate;
    this.watch = watch;
  }

  /**
   * Binds HTTPS (when configured) and then plain HTTP on {@code host}. Fails, with nothing left
   * bound, when a port cannot be bound or the certificate cannot be used.
   *
   * @param name     the front end in log lines, e.g. {@code HTTP proxy}
   * @param httpPort the plain HTTP port (0 = chosen by the OS)
   */
  public static CompletionStage<Listeners> bind(ActorSystem<?> system, String name, String host, int httpPort,
      HttpsSettings settings, ServerSettings serverSettings,
      Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    Http pekko = Http.get(system);
    if (settings.tls().isEmpty()) {
      return HttpPort.bind(system, name, host, httpPort, serverSettings, handler)
          .thenApply(b -> new Listeners(settings.http(), Optional.of(b), Optional.empty(), Optional.empty(), Optional.empty()));
    }
    HttpsSettings.Tls tls = settings.tls().get();
    ReloadingCertificate certificate;
    try {
      certificate = ReloadingCertificate.load(name, tls.certificate(), tls.key());
    } catch (TlsException e) {
      return CompletableFuture.failedFuture(e);
    }
    return pekko.newServerAt(host, tls.port()).enableHttps(certificate.connectionContext()).withSettings(serverSettings)
        .bind(handler)
        .thenCompose(secure -> {
          int httpsPort = secure.localAddress().getPort();
          CompletionStage<Optional<HttpPort>> plain = switch (settings.http()) {
            case OFF -> CompletableFuture.completedFuture(Optional.empty());
            case ON -> HttpPort.bind(system, name, host, httpPort, serverSettings, handler).thenApply(Optional::of);
            case REDIRECT -> {
              Function<HttpRequest, CompletionStage<HttpResponse>> redirecting = request -> {
                request.discardEntityBytes(system);
                return CompletableFuture.completedFuture(redirect(request, httpsPort));
              };
              yield HttpPort.bind(system, name, host, httpPort, serverSettings, redirecting).thenApply(Optional::of);
            }
          };
          return plain.handle((bound, failure) -> {
            if (failure != null) {
              secure.unbind();
              throw new CompletionException(failure);
            }
            Cancellable watch = certificate.watch(system, tls.reloadInterval());
            return new Listeners(settings.http(), bound, Optional.of(secure), Optional.of(certificate), Optional.of(watch));
          });
        });
  }

  /** 308 Permanent Redirect (the method and body are kept) to the request's URL on https and {@code httpsPort}. */
  static HttpResponse redirect(HttpRequest request, int httpsPort) {
    Uri target = request.getUri().scheme("https").port(httpsPort == 443 ? 0 : httpsPort);
    return HttpResponse.create().withStatus(StatusCodes.PERMANENT_REDIRECT)
        .addHeader(Location.create(target))
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "this port redirects to HTTPS: " + target + "\n"));
  }

  /** The plain HTTP address when it is open, else the HTTPS one. */
  public InetSocketAddress localAddress() {
    return http.map(HttpPort::localAddress).or(() -> https.map(ServerBinding::localAddress)).orElseThrow();
  }

  /** Where plain HTTP listens (serving or redirecting); empty when it is off. */
  public Optional<InetSocketAddress> httpAddress() {
    return http.map(HttpPort::localAddress);
  }

  /** The plain HTTP port, for its connection counts; empty when it is off. */
  public Optional<HttpPort> httpPort() {
    return http;
  }

  /** Where HTTPS listens; empty without a certificate. */
  public Optional<InetSocketAddress> httpsAddress() {
    return https.map(ServerBinding::localAddress);
  }

  /** The certificate HTTPS presents, reloaded when its files change; empty without one. */
  public Optional<ReloadingCertificate> certificate() {
    return certificate;
  }

  /** Stops accepting on every port and gives requests in progress up to {@code grace} to end. */
  public CompletionStage<Done> terminate(Duration grace) {
    watch.ifPresent(Cancellable::cancel);
    List<CompletableFuture<?>> all = new ArrayList<>();
    http.ifPresent(b -> all.add(b.terminate(grace).toCompletableFuture()));
    https.ifPresent(b -> all.add(b.terminate(grace).toCompletableFuture()));
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> Done.getInstance());
  }

  /** For log lines: each port and what it does. */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    https.ifPresent(b -> parts.add("https " + b.localAddress() + " (certificate "
        + certificate.map(ReloadingCertificate::describe).orElse("?") + ")"));
    http.ifPresent(b -> parts.add((mode == HttpsSettings.HttpMode.REDIRECT ? "http (redirects to https) " : "http ")
        + b.localAddress()));
    return String.join(", ", parts);
  }
}
