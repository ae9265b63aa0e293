package cocaine.logging;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The logging v2 filters of a node, by id: what decides whether a record is written, before the
 * verbosity. A record of source S passes when one of S's live filters accepts it; with none for S,
 * one of the filters of logger {@value #DEFAULT}; with none at all, the verbosity decides. Immutable:
 * the {@link Logging} actor keeps the current table as its state's parameter.
 */
public record FilterTable(Map<Long, Filter> filters) {
  /** The logger whose filters apply to sources without filters of their own. */
  public static final String DEFAULT = "default";
  public static final FilterTable EMPTY = new FilterTable(Map.of());

  /** Set on this node only, or kept in the cluster storage for every node. */
  public enum Disposition { LOCAL, CLUSTER }

  /** One filter: for which logger (source), until when, and where it was set. */
  public record Filter(long id, String logger, LogFilter filter, Instant deadline, Disposition disposition) {
    public Filter {
      Objects.requireNonNull(logger, "logger");
      Objects.requireNonNull(filter, "filter");
      Objects.requireNonNull(deadline, "deadline");
      Objects.requireNonNull(disposition, "disposition");
    }
  }

  public FilterTable {
    filters = Collections.unmodifiableMap(new TreeMap<>(filters));
  }

  public FilterTable with(Filter filter) {
    Map<Long, Filter> next = new TreeMap<>(filters);
    next.put(filter.id(), filter);
    return new FilterTable(next);
  }

  public FilterTable without(long id) {
    if (!filters.containsKey(id)) {
      return this;
    }
    Map<Long, Filter> next = new TreeMap<>(filters);
    next.remove(id);
    return new FilterTable(next);
  }

  /** This table without the filters whose deadline passed. */
  public FilterTable live(Instant now) {
    if (filters.values().stream().noneMatch(f -> f.deadline().isBefore(now))) {
      return this;
    }
    Map<Long, Filter> next = new TreeMap<>(filters);
    next.values().removeIf(f -> f.deadline().isBefore(now));
    return new FilterTable(next);
  }

  /** The filters' verdict on a live table, or empty when no filter speaks for the record's source. */
  public Optional<Boolean> verdict(LogRecord record) {
    List<Filter> own = of(record.source());
    List<Filter> applying = own.isEmpty() ? of(DEFAULT) : own;
    if (applying.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(applying.stream().anyMatch(f -> f.filter().accepts(record)));
  }

  private List<Filter> of(String logger) {
    List<Filter> out = new ArrayList<>();
    for (Filter f : filters.values()) {
      if (f.logger().equals(logger)) {
        out.add(f);
      }
    }
    return out;
  }
}
