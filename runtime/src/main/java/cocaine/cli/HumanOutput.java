package cocaine.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a list, info or view command prints for a person unless {@code --json} asks for the data:
 * a map as KEY/VALUE rows (nested keys joined with dots), a list of names one a row under a header,
 * a list of maps as a table with a column per key. {@link #print} chooses by the command's flag.
 */
final class HumanOutput {
  private HumanOutput() {}

  /** {@code value} as JSON with {@code --json}, else for a person; {@code what} heads a list of names. */
  static void print(Target target, PrintWriter out, Object value, String what) {
    if (target.json) {
      Printer.print(out, value);
    } else {
      show(out, Terminal.detect(), value, what);
    }
  }

  static void show(PrintWriter out, Terminal terminal, Object value, String what) {
    if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.println("(empty)");
      } else {
        Table table = new Table("KEY", "VALUE");
        flatten("", map).forEach(table::row);
        table.print(out, terminal);
      }
    } else if (value instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(Map.class::isInstance)) {
      rows(list).print(out, terminal);
    } else if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        out.println("(none)");
      } else {
        Table table = new Table(what);
        list.forEach(table::row);
        table.print(out, terminal);
      }
    } else {
      out.println(value);
    }
    out.flush();
  }

  /** A table of maps: a column per (flattened) key, in the order keys first appear. */
  private static Table rows(List<?> maps) {
    List<Map<String, String>> flat = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    for (Object m : maps) {
      Map<String, String> f = flatten("", (Map<?, ?>) m);
      flat.add(f);
      keys.addAll(f.keySet());
    }
    Table table = new Table(keys.stream().map(k -> k.toUpperCase(Locale.ROOT)).toArray(String[]::new));
    for (Map<String, String> f : flat) {
      table.row(keys.stream().map(f::get).toArray());
    }
    return table;
  }

  /** {@code {"a": {"b": 1}, "c": [1, 2]}} as {@code a.b -> 1}, {@code c -> 1, 2}. */
  static Map<String, String> flatten(String prefix, Map<?, ?> map) {
    Map<String, String> out = new LinkedHashMap<>();
    map.forEach((k, v) -> {
      String key = prefix + k;
      if (v instanceof Map<?, ?> nested && !nested.isEmpty()) {
        out.putAll(flatten(key + ".", nested));
      } else if (v instanceof List<?> list && list.stream().anyMatch(e -> e instanceof Map || e instanceof List)) {
        for (int i = 0; i < list.size(); i++) {
          out.putAll(list.get(i) instanceof Map<?, ?> m ? flatten(key + "." + i + ".", m)
              : Map.of(key + "." + i, String.valueOf(list.get(i))));
        }
      } else if (v instanceof List<?> list) {
        out.put(key, list.stream().map(String::valueOf).collect(Collectors.joining(", ")));
      } else {
        out.put(key, v instanceof Map ? "{}" : String.valueOf(v));
      }
    });
    return out;
  }
}
