import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts which member of a routing group answers: N POSTs to URL over C kept-alive connections,
 * tallied by the proxy's X-Cocaine-Version-App header; no answer within 10 s counts as "(lost)".
 * Run: {@code java Split.java URL N C}; prints one line "member count" per member, then "total".
 */
public final class Split {
  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    int n = Integer.parseInt(args[1]);
    int c = Integer.parseInt(args[2]);
    ExecutorService io = Executors.newFixedThreadPool(c);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(io).build();
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    AtomicInteger left = new AtomicInteger(n);
    ExecutorService senders = Executors.newFixedThreadPool(c);
    List<Future<?>> running = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < c; i++) {
      running.add(senders.submit(() -> {
        while (left.getAndDecrement() > 0) {
          String key;
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString("hi")).build(), HttpResponse.BodyHandlers.ofString());
            key = r.statusCode() == 200 ? r.headers().firstValue("X-Cocaine-Version-App").orElse("(no header)")
                : r.statusCode() == 504 ? "(lost)" : "(status " + r.statusCode() + ")";
          } catch (HttpTimeoutException e) {
            key = "(lost)";
          }
          counts.merge(key, 1, Integer::sum);
        }
        return null;
      }));
    }
    for (Future<?> f : running) {
      f.get();
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    new TreeMap<>(counts).forEach((k, v) -> System.out.println(k + " " + v));
    System.out.println("total " + n + " " + ms);
    System.exit(0);
  }
}
