package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.junit.jupiter.api.Test;

/** Which names can be an app's: the locator's alphabet, 1 to 200 characters; anything else is a 400. */
class RouteTest {
  static Route route(String target) {
    return Route.of(HttpRequest.create("/"), target);
  }

  @Test
  void namesOfTheLocatorsAlphabetRoute() {
    String longest = "a".repeat(200);
    for (String app : new String[] {"echo", "http-echo", "A.b_c@d:e+f-9", longest}) {
      Route r = route("/" + app + "/ev/rest?q=1");
      assertEquals(app, r.app());
      assertEquals("ev", r.event());
      assertEquals("/rest?q=1", r.uri());
    }
  }

  @Test
  void otherNamesAreRefusedWithABadRequest() {
    for (String app : new String[] {"a".repeat(201), "a%20b", "caf\u00e9", "a*b", "a,b", "a=b", "~x"}) {
      ProxyError e = assertThrows(ProxyError.class, () -> route("/" + app + "/ev"), app);
      assertEquals(400, e.status(), app);
    }
  }
}
