package cocaine.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other processes of the cluster as the dashboard sees them, through their admin ports
 * ({@code cocaine.tracing.dashboard.peers}): asks each for a JSON resource of its own (never its
 * peers', so there are no loops), and follows each one's {@code /api/node} every stats interval:
 * its new spans go to the live viewers, its totals and latest samples into the cluster view. One
 * poll per peer at a time, whatever the number of viewers; a peer that does not answer is named
 * with the reason.
 */
final class DashboardPeers {
  private static final Logger log = LoggerFactory.getLogger(DashboardPeers.class);

  /** What one peer last said of itself, or why it did not. */
  private static final class Followed {
    final AtomicBoolean polling = new AtomicBoolean();
    volatile long cursor = -1;
    volatile Map<String, Object> node;
    volatile String unreachable;
  }

  private final ActorSystem<?> system;
  private final ObjectMapper json;
  private final List<String> peers;
  private final Duration timeout;
  private final Optional<String> authorization;
  private final Map<String, Followed> followed = new ConcurrentHashMap<>();

  /**
   * @param peers   admin API base URLs, without a trailing slash
   * @param token   the admin token, sent to the peers; empty for none
   */
  DashboardPeers(ActorSystem<?> system, ObjectMapper json, List<String> peers, Duration timeout, String token) {
    this.system = system;
    this.json = json;
    this.peers = List.copyOf(peers);
    this.timeout = timeout;
    this.authorization = token.isEmpty() ? Optional.empty() : Optional.of("Bearer " + token);
    this.peers.forEach(p -> followed.put(p, new Followed()));
  }

  List<String> peers() {
    return peers;
  }

  /**
   * Asks every peer for its {@code /api/node} since the last time (skipping one still asked); its
   * new spans go to spans, as span views.
   */
  void poll(Consumer<List<Map<String, Object>>> spans) {
    for (String peer : peers) {
      Followed f = followed.get(peer);
      if (!f.polling.compareAndSet(false, true)) {
        continue;
      }
      ask(peer, "/api/node?after=" + f.cursor).whenComplete((got, e) -> {
        try {
          if (got instanceof Map<?, ?> node && node.get("next") instanceof Number next) {
            @SuppressWarnings("unchecked")
            Map<String, Object> n = (Map<String, Object>) node;
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> fresh = (List<Map<String, Object>>) n.remove("spans");
            f.cursor = next.longValue();
            f.node = n;
            if (f.unreachable != null) {
              log.info("dashboard peer {} answers (node {})", peer, n.get("node"));
              f.unreachable = null;
            }
            if (fresh != null && !fresh.isEmpty()) {
              spans.accept(fresh);
            }
          } else {
            String why = String.valueOf(got instanceof Map ? "not a node's /api/node" : got);
            if (f.unreachable == null) {
              log.warn("dashboard peer {} does not answer: {}", peer, why);
            }
            f.node = null;
            f.unreachable = why;
          }
        } finally {
          f.polling.set(false);
        }
      });
    }
  }

  /** node name -> what each answering peer said of itself last (totals, routing, latest samples). */
  Map<String, Map<String, Object>> nodes() {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (String peer : peers) {
      Map<String, Object> n = followed.get(peer).node;
      if (n != null) {
        out.put(String.valueOf(n.get("node")), n);
      }
    }
    return out;
  }

  /** peer -> why it did not answer its last poll. */
  Map<String, String> unreachable() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String peer : peers) {
      String why = followed.get(peer).unreachable;
      if (why != null) {
        out.put(peer, why);
      }
    }
    return out;
  }

  /** What the peers sent, with this process's own, and the peers that did not answer, with why. */
  record Gathered<T>(T found, Map<String, String> unreachable) {
    List<Map<String, Object>> spans() {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> spans = (List<Map<String, Object>>) found;
      return spans;
    }

    Map<String, Object> nodes() {
      @SuppressWarnings("unchecked")
      Map<String, Object> nodes = (Map<String, Object>) found;
      return nodes;
    }
  }

  /** A trace's spans: these of this process and each peer's own, by start. */
  CompletableFuture<Gathered<List<Map<String, Object>>>> trace(String hex, List<Map<String, Object>> local) {
    return askAll("/api/traces/" + hex + "?local=1").thenApply(answers -> {
      List<Map<String, Object>> spans = new ArrayList<>(local);
      Map<String, String> unreachable = new LinkedHashMap<>();
      for (int i = 0; i < answers.size(); i++) {
        if (answers.get(i) instanceof Map<?, ?> m && m.get("spans") instanceof List<?> list) {
          for (Object s : list) {
            @SuppressWarnings("unchecked")
            Map<String, Object> span = (Map<String, Object>) s;
            spans.add(span);
          }
        } else {
          unreachable.put(peers.get(i), String.valueOf(answers.get(i)));
        }
      }
      spans.sort((a, b) -> Long.compare(((Number) a.get("start")).longValue(), ((Number) b.get("start")).longValue()));
      return new Gathered<>(spans, unreachable);
    });
  }

  /** Node -> app -> samples: this process's (local) and each peer's own. */
  CompletableFuture<Gathered<Map<String, Object>>> history(String node, Object local) {
    return askAll("/api/history?local=1").thenApply(answers -> {
      Map<String, Object> nodes = new LinkedHashMap<>();
      nodes.put(node, local);
      Map<String, String> unreachable = new LinkedHashMap<>();
      for (int i = 0; i < answers.size(); i++) {
        if (answers.get(i) instanceof Map<?, ?> m && m.get("nodes") instanceof Map<?, ?> theirs) {
          theirs.forEach((name, apps) -> nodes.put(String.valueOf(name), apps));
        } else {
          unreachable.put(peers.get(i), String.valueOf(answers.get(i)));
        }
      }
      return new Gathered<>(nodes, unreachable);
    });
  }

  /**
   * Asks every peer for pathAndQuery at once: per peer, in the order of {@link #peers()}, the
   * parsed JSON or why not as a string.
   */
  private CompletableFuture<List<Object>> askAll(String pathAndQuery) {
    List<CompletableFuture<Object>> asked = new ArrayList<>();
    for (String peer : peers) {
      asked.add(ask(peer, pathAndQuery));
    }
    return CompletableFuture.allOf(asked.toArray(CompletableFuture[]::new))
        .handle((v, e) -> asked.stream().map(CompletableFuture::join).toList());
  }

  /** The peer's parsed JSON answer to pathAndQuery, or why not as a string; never fails. */
  private CompletableFuture<Object> ask(String peer, String pathAndQuery) {
    HttpRequest request = HttpRequest.GET(peer + pathAndQuery);
    if (authorization.isPresent()) {
      request = request.addHeader(RawHeader.create("Authorization", authorization.get()));
    }
    return Http.get(system).singleRequest(request)
        .thenCompose(r -> r.entity().toStrict(timeout.toMillis(), system)
            .thenApply(body -> {
              if (r.status().intValue() != 200) {
                return (Object) ("HTTP " + r.status().intValue());
              }
              try {
                return json.readValue(body.getData().toArray(), Object.class);
              } catch (IOException e) {
                return (Object) ("not JSON: " + e.getMessage());
              }
            }))
        .toCompletableFuture()
        .completeOnTimeout("no answer within " + timeout.toMillis() + " ms", timeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(e -> (e.getCause() != null ? e.getCause() : e).toString());
  }
}
