package cocaine.admin;

import cocaine.tracing.Span;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-app totals the dashboard turns into rates and latencies: requests, errors and time spent of
 * the requests' first hop (the proxy, or the app service when a client called it directly), the
 * latest queue depth, and the nodes and slots that served it lately. Fed with every span; cheap
 * enough for the request path (a map lookup and a few adders).
 */
final class DashboardStats {
  /** Slots and nodes listed per app; older ones make room for newer. */
  private static final int MAX_PLACES = 64;

  private static final class App {
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder micros = new LongAdder();
    final AtomicLong queueDepth = new AtomicLong();
    final Set<String> nodes = ConcurrentHashMap.newKeySet();
    final Set<String> slots = ConcurrentHashMap.newKeySet();
    final LatencyHistogram latency = new LatencyHistogram();
    /** Totals at the last sample; read and written by the sampler only. */
    long sampledRequests;
    long sampledErrors;
  }

  private final Map<String, App> apps = new ConcurrentHashMap<>();
  /** Routing group -> member -> requests the proxy sent there. */
  private final Map<String, Map<String, LongAdder>> routing = new ConcurrentHashMap<>();
  private final int maxApps;

  DashboardStats(int maxApps) {
    this.maxApps = maxApps;
  }

  void add(Span s) {
    String name = s.name();
    boolean first = name.equals(Span.PROXY) || name.equals(Span.APP_SERVICE) && s.parentId() == 0;
    // most spans of a request (worker, connection, ...) count nowhere: no map lookup for them
    if (s.app().isEmpty()
        || !first && !name.equals(Span.QUEUE) && !name.equals(Span.POOL) && !name.equals(Span.SLOT)) {
      return;
    }
    App a = apps.get(s.app());
    if (a == null) {
      if (apps.size() >= maxApps) {
        return; // a flood of made-up app names must not grow the map
      }
      a = apps.computeIfAbsent(s.app(), k -> new App());
    }
    if (first) {
      a.requests.increment();
      a.micros.add(s.durationMicros());
      a.latency.record(s.durationMicros());
      if (s.failed()) {
        a.errors.increment();
      }
    }
    if (name.equals(Span.QUEUE) && s.attributes().get("depth") instanceof Number n) {
      a.queueDepth.set(n.longValue());
    }
    if (name.equals(Span.POOL) && s.attributes().get("member") instanceof String member) {
      routed(s.app(), member);
    }
    if (name.equals(Span.SLOT)) {
      place(a.slots, s.slot());
      place(a.nodes, s.node());
    }
  }

  private void routed(String group, String member) {
    Map<String, LongAdder> members = routing.get(group);
    if (members == null) {
      if (routing.size() >= maxApps) {
        return;
      }
      members = routing.computeIfAbsent(group, k -> new ConcurrentHashMap<>());
    }
    LongAdder n = members.get(member);
    if (n == null) {
      if (members.size() >= MAX_PLACES) {
        return;
      }
      n = members.computeIfAbsent(member, k -> new LongAdder());
    }
    n.increment();
  }

  /**
   * Adds one sample per app to history: requests and errors since the last sample, their p50 and
   * p99, the latest queue depth. Called by one sampler at a time.
   */
  void sample(long nowMillis, DashboardHistory history) {
    apps.forEach((name, a) -> {
      long requests = a.requests.sum();
      long errors = a.errors.sum();
      LatencyHistogram.Percentiles p = a.latency.drain();
      history.add(name, new DashboardHistory.Sample(nowMillis, requests - a.sampledRequests,
          errors - a.sampledErrors, p.p50(), p.p99(), a.queueDepth.get()));
      a.sampledRequests = requests;
      a.sampledErrors = errors;
    });
  }

  /** Routing group -> member -> requests sent there since start, as the proxy picked them. */
  Map<String, Object> routing() {
    Map<String, Object> out = new TreeMap<>();
    routing.forEach((group, members) -> {
      Map<String, Long> counts = new TreeMap<>();
      members.forEach((member, n) -> counts.put(member, n.sum()));
      out.put(group, counts);
    });
    return out;
  }

  private static void place(Set<String> places, String name) {
    if (!name.isEmpty() && !places.contains(name)) {
      if (places.size() >= MAX_PLACES) {
        places.clear();
      }
      places.add(name);
    }
  }

  /** app -> {requests, errors, micros, queue_depth, nodes, slots}, cumulative since start. */
  Map<String, Object> snapshot() {
    Map<String, Object> out = new TreeMap<>();
    apps.forEach((name, a) -> {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("requests", a.requests.sum());
      one.put("errors", a.errors.sum());
      one.put("micros", a.micros.sum());
      one.put("queue_depth", a.queueDepth.get());
      one.put("nodes", List.copyOf(a.nodes));
      one.put("slots", List.copyOf(a.slots));
      out.put(name, one);
    });
    return out;
  }
}
