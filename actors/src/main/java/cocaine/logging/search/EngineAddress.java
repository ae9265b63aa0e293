package cocaine.logging.search;

import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The engine's base URL without credentials (safe to log), and the basic authentication made of
 * the {@code user:password@} part of the configured URL, if any.
 */
record EngineAddress(String baseUrl, String authorization) {
  static EngineAddress of(URI url) {
    String path = url.getRawPath() == null ? "" : url.getRawPath().replaceAll("/+$", "");
    String base = url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + path;
    String authorization = url.getRawUserInfo() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
        URLDecoder.decode(url.getRawUserInfo(), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
    return new EngineAddress(base, authorization);
  }

  /** A request to {@code baseUrl + path}, authenticated when credentials were given. */
  HttpRequest.Builder request(String path) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return request;
  }

  @Override
  public String toString() {
    return baseUrl; // never the credentials
  }
}
