package cocaine.metrics;

import static cocaine.wire.Signature.Type.ANY;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.optional;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.MethodService;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Tag;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * The {@code metrics} service (version 1, as the original runtime's): {@code fetch(type, query)}
 * answers the runtime's own meters. {@code type} is {@code plain} (the default: one map of full
 * names to numbers) or {@code json} (the same numbers as a tree split at the dots of the names);
 * {@code query}, when given, is a string every returned name contains. A name is the meter's name,
 * its tags in braces and, for a meter of several numbers, the statistic after a dot:
 * {@code cocaine.node.apps.running}, {@code jvm.memory.used{area=heap,id=G1 Eden Space}},
 * {@code cocaine.proxy.request.duration{app=echo}.count}. Reads a thread-safe registry; no state.
 */
public final class MetricsService extends MethodService {
  public static final String NAME = "metrics";
  public static final int VERSION = 1;
  public static final int FETCH = 0;
  private static final Signature FETCH_ARGS = Signature.of(optional("type", STR, "plain|json"),
      optional("query", ANY, "str"));
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(FETCH, "fetch", FETCH_ARGS, Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  private final MeterRegistry registry;

  public MetricsService(MeterRegistry registry) {
    super(NAME, VERSION, PROTOCOL);
    this.registry = registry;
  }

  @Override
  protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    if (first.type() != FETCH) {
      throw noMethod(first);
    }
    List<Value> args = first.args();
    String type = args.isEmpty() || args.get(0).isNilValue() ? "plain" : Values.asString(args.get(0));
    if (!type.equals("plain") && !type.equals("json")) {
      throw FETCH_ARGS.invalid("metrics.fetch", args, "type must be plain or json");
    }
    Value query = args.size() > 1 ? args.get(1) : Values.nil();
    if (!query.isNilValue() && !query.isRawValue()) {
      throw FETCH_ARGS.invalid("metrics.fetch", args, "query must be a string the names contain");
    }
    Map<String, Double> found = fetch(query.isNilValue() ? "" : Values.asString(query));
    return Source.single(Message.value(Values.fromJava(type.equals("plain") ? found : tree(found))));
  }

  /** Every number of the registry whose full name contains {@code query}, sorted by name. */
  public Map<String, Double> fetch(String query) {
    Map<String, Double> out = new TreeMap<>();
    for (Meter meter : registry.getMeters()) {
      String base = meter.getId().getName() + tags(meter.getId().getTags());
      List<Measurement> measures = new java.util.ArrayList<>();
      meter.measure().forEach(measures::add);
      for (Measurement m : measures) {
        String name = measures.size() == 1 ? base : base + "." + m.getStatistic().getTagValueRepresentation();
        double v = m.getValue();
        if (name.contains(query) && Double.isFinite(v)) {
          out.put(name, v);
        }
      }
    }
    return out;
  }

  private static String tags(List<Tag> tags) {
    return tags.isEmpty() ? "" : tags.stream().map(t -> t.getKey() + "=" + t.getValue())
        .collect(Collectors.joining(",", "{", "}"));
  }

  /** The names split at the dots outside braces into nested maps; a name that is also a prefix keeps its number under "". */
  @SuppressWarnings("unchecked")
  static Map<String, Object> tree(Map<String, Double> flat) {
    Map<String, Object> root = new LinkedHashMap<>();
    flat.forEach((name, value) -> {
      List<String> parts = split(name);
      Map<String, Object> at = root;
      for (String part : parts.subList(0, parts.size() - 1)) {
        Object next = at.get(part);
        if (!(next instanceof Map)) {
          Map<String, Object> made = new LinkedHashMap<>();
          if (next != null) {
            made.put("", next);
          }
          at.put(part, made);
          next = made;
        }
        at = (Map<String, Object>) next;
      }
      String last = parts.get(parts.size() - 1);
      if (at.get(last) instanceof Map<?, ?> m) {
        ((Map<String, Object>) m).put("", value);
      } else {
        at.put(last, value);
      }
    });
    return root;
  }

  private static List<String> split(String name) {
    List<String> parts = new java.util.ArrayList<>();
    int depth = 0;
    StringBuilder cur = new StringBuilder();
    for (char c : name.toCharArray()) {
      depth += c == '{' ? 1 : c == '}' ? -1 : 0;
      if (c == '.' && depth == 0) {
        parts.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    parts.add(cur.toString());
    return parts;
  }
}
