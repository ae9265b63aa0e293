package cocaine.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --key value} command-line options with defaults; an unknown or malformed value stops the run. */
final class Opts {
  private final Map<String, String> values = new HashMap<>();

  Opts(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --key value pairs, got '" + args[i] + "'");
      }
      values.put(args[i].substring(2), args[++i]);
    }
  }

  String str(String key, String dflt) {
    String v = values.get(key);
    if (v == null && dflt == null) {
      throw new IllegalArgumentException("--" + key + " is required");
    }
    return v == null ? dflt : v;
  }

  int integer(String key, int dflt) {
    return Integer.parseInt(str(key, Integer.toString(dflt)));
  }

  long longValue(String key, long dflt) {
    return Long.parseLong(str(key, Long.toString(dflt)));
  }

  Duration seconds(String key, double dflt) {
    return Duration.ofMillis((long) (Double.parseDouble(str(key, Double.toString(dflt))) * 1000));
  }

  List<Integer> ints(String key, String dflt) {
    List<Integer> out = new ArrayList<>();
    for (String s : str(key, dflt).split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return out;
  }
}
