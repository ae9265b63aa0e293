package cocaine.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads typed values from one section of the resolved settings. Every refusal names the full
 * key and the file and line that set it, e.g. {@code bad value for 'cocaine.proxy.port' in
 * /etc/cocaine.conf:7: must be an integer from 0 to 65535, got "http"}.
 */
final class SettingsReader {
  private final Config config;
  private final String prefix;

  SettingsReader(Config config, String prefix) {
    this.config = config;
    this.prefix = prefix;
  }

  SettingsReader section(String name) {
    return new SettingsReader(config, path(name));
  }

  String path(String key) {
    return prefix + "." + key;
  }

  String string(String key) {
    ConfigValue v = value(key);
    return switch (v.valueType()) {
      // HOCON leaves unquoted text like `runlist = 2024` a number; as a string it is still meant
      case STRING, NUMBER, BOOLEAN -> config.getString(path(key));
      default -> throw bad(path(key), v, "must be a string");
    };
  }

  String nonEmptyString(String key) {
    String s = string(key);
    if (s.isBlank()) {
      throw refuse(key, "must not be empty");
    }
    return s;
  }

  boolean bool(String key) {
    ConfigValue v = value(key);
    try {
      return config.getBoolean(path(key));
    } catch (ConfigException e) {
      throw bad(path(key), v, "must be true or false");
    }
  }

  long integer(String key, long min, long max) {
    ConfigValue v = value(key);
    return integer(path(key), v, min, max);
  }

  int port(String key) {
    return (int) integer(key, 0, 65535);
  }

  /** A positive duration. A bare number is refused: HOCON reads it as ms, cocaine configs meant s. */
  Duration duration(String key) {
    ConfigValue v = value(key);
    String rule = "must be a duration with a unit, like 5s or 500ms";
    if (v.valueType() != ConfigValueType.STRING
        || ((String) v.unwrapped()).chars().noneMatch(Character::isLetter)) {
      throw bad(path(key), v, rule);
    }
    Duration d;
    try {
      d = config.getDuration(path(key));
    } catch (ConfigException e) {
      throw bad(path(key), v, rule);
    }
    if (d.isZero() || d.isNegative()) {
      throw bad(path(key), v, "must be longer than zero");
    }
    return d;
  }

  long bytes(String key, long min, long max) {
    ConfigValue v = value(key);
    long n;
    try {
      n = config.getBytes(path(key));
    } catch (ConfigException e) {
      throw bad(path(key), v, "must be a size like 16MiB or a number of bytes");
    }
    if (n < min || n > max) {
      throw bad(path(key), v, "must be from " + min + " to " + max + " bytes");
    }
    return n;
  }

  /** A size like {@link #bytes}, or -1 for the word {@code auto} (the caller works the value out). */
  long bytesOrAuto(String key, long min, long max) {
    ConfigValue v = value(key);
    if (v.valueType() == com.typesafe.config.ConfigValueType.STRING && "auto".equals(v.unwrapped())) {
      return -1;
    }
    return bytes(key, min, max);
  }

  <E extends Enum<E>> E oneOf(String key, Class<E> type) {
    ConfigValue v = value(key);
    return enumValue(path(key), v, type);
  }

  /** A list whose elements are scalars turned into T by parse; an element it refuses is named by index. */
  <T> List<T> list(String key, String elementRule, Function<String, Optional<T>> parse) {
    List<T> out = new ArrayList<>();
    ConfigList list = rawList(key);
    for (int i = 0; i < list.size(); i++) {
      ConfigValue element = list.get(i);
      String where = path(key) + "[" + i + "]";
      Optional<T> parsed = scalar(element).flatMap(parse);
      if (parsed.isEmpty()) {
        throw bad(where, element, elementRule);
      }
      out.add(parsed.get());
    }
    return out;
  }

  <E extends Enum<E>> List<E> enums(String key, Class<E> type) {
    return list(key, "must be one of " + names(type), s -> enumNamed(type, s));
  }

  List<String> strings(String key) {
    return list(key, "must be a string", Optional::of);
  }

  ConfigList rawList(String key) {
    ConfigValue v = value(key);
    if (v.valueType() != ConfigValueType.LIST) {
      throw bad(path(key), v, "must be a list");
    }
    return (ConfigList) v;
  }

  ConfigObject object(String key) {
    ConfigValue v = value(key);
    if (v.valueType() != ConfigValueType.OBJECT) {
      throw bad(path(key), v, "must be an object { ... }");
    }
    return (ConfigObject) v;
  }

  long integer(String where, ConfigValue v, long min, long max) {
    String rule = "must be an integer from " + min + " to " + max;
    long n;
    Object raw = v.unwrapped();
    if (raw instanceof Integer || raw instanceof Long) {
      n = ((Number) raw).longValue();
    } else if (raw instanceof String s) {
      try {
        n = Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw bad(where, v, rule);
      }
    } else {
      throw bad(where, v, rule);
    }
    if (n < min || n > max) {
      throw bad(where, v, rule);
    }
    return n;
  }

  /** A refusal of this section's key, for rules the typed getters cannot know. */
  SettingsException refuse(String key, String rule) {
    return bad(path(key), value(key), rule);
  }

  SettingsException bad(String where, ConfigValue v, String rule) {
    return new SettingsException("bad value for '" + where + "' in " + where(v.origin()) + ": "
        + rule + ", got " + v.render(ConfigRenderOptions.concise()));
  }

  /** Where a value was set, as "file:line" (or the classpath resource, or the origin's own text). */
  static String where(ConfigOrigin origin) {
    String source = origin.filename() != null ? origin.filename()
        : origin.resource() != null ? origin.resource()
        : origin.url() != null ? origin.url().toString()
        : null;
    if (source == null) {
      return origin.description(); // already ends in ": line" for parsed strings
    }
    return origin.lineNumber() >= 0 ? source + ":" + origin.lineNumber() : source;
  }

  static <E extends Enum<E>> String names(Class<E> type) {
    return Stream.of(type.getEnumConstants()).map(SettingsReader::configName)
        .collect(Collectors.joining(", "));
  }

  private ConfigValue value(String key) {
    String path = path(key);
    if (!config.hasPathOrNull(path)) {
      // reference.conf defines every key we read, so only a broken classpath gets here
      throw new SettingsException("missing key '" + path + "': is reference.conf on the classpath?");
    }
    if (config.getIsNull(path)) {
      // getValue refuses nulls; the parent object still holds the null with its origin
      throw bad(path, config.getObject(prefix).get(key), "must be set");
    }
    return config.getValue(path);
  }

  private <E extends Enum<E>> E enumValue(String where, ConfigValue v, Class<E> type) {
    return scalar(v).flatMap(s -> enumNamed(type, s))
        .orElseThrow(() -> bad(where, v, "must be one of " + names(type)));
  }

  private static Optional<String> scalar(ConfigValue v) {
    return switch (v.valueType()) {
      case STRING, NUMBER, BOOLEAN -> Optional.of(String.valueOf(v.unwrapped()));
      default -> Optional.empty();
    };
  }

  private static <E extends Enum<E>> Optional<E> enumNamed(Class<E> type, String name) {
    return Stream.of(type.getEnumConstants()).filter(e -> configName(e).equals(name)).findFirst();
  }

  private static String configName(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
