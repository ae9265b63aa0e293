package cocaine.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.junit.jupiter.api.Test;

class ListenersTest {
  static String location(String effectiveUri, int httpsPort) {
    HttpResponse r = Listeners.redirect(HttpRequest.create().withMethod(HttpMethods.POST).withUri(Uri.create(effectiveUri)),
        httpsPort);
    assertEquals(308, r.status().intValue(), "308 keeps the method and the body");
    return r.getHeader("Location").orElseThrow().value();
  }

  @Test
  void redirectsToTheSameUrlOnTheHttpsPort() {
    assertEquals("https://proxy.example:8443/echo/ping?a=1&b=%20", location("http://proxy.example:8080/echo/ping?a=1&b=%20", 8443));
    assertEquals("https://proxy.example/echo", location("http://proxy.example:8080/echo", 443));
    assertEquals("https://[::1]:8443/", location("http://[::1]:8080/", 8443));
  }
}
