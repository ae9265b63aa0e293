package cocaine.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An original runtime's JSON config ({@code "version": 4}, also 3) turned into this runtime's
 * HOCON: every key with an equivalent is mapped (docs/protocol.md 6.2, docs/migration.md), every
 * other is listed with why it has none. Pure: text in, text and lists out.
 */
public final class OriginalConfig {
  private static final List<String> LEVELS = List.of("debug", "info", "warning", "error");

  private final Map<String, Object> out = new LinkedHashMap<>();
  private final List<String> mapped = new ArrayList<>();
  private final List<String> unmapped = new ArrayList<>();

  private OriginalConfig() {}

  /**
   * The result of an import.
   *
   * @param hocon    the {@code cocaine { ... }} settings, for {@code --config}
   * @param mapped   "original key -> our key" of each key carried over
   * @param unmapped "original key: why" of each key with no equivalent here
   */
  public record Imported(String hocon, List<String> mapped, List<String> unmapped) {}

  /** @throws SettingsException when the text is not a JSON object */
  public static Imported fromJson(String json) {
    Map<String, Object> root;
    try {
      root = ConfigFactory.parseString(json, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON))
          .root().unwrapped();
    } catch (ConfigException e) {
      throw new SettingsException("not a JSON config of the original runtime: " + e.getMessage(), e);
    }
    OriginalConfig c = new OriginalConfig();
    c.convert(root);
    String body = ConfigValueFactory.fromMap(Map.of("cocaine", c.out))
        .render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setJson(false));
    StringBuilder text = new StringBuilder("# Imported from an original runtime config by `cocaine config import`.\n");
    c.unmapped.forEach(u -> text.append("# no equivalent: ").append(u).append('\n'));
    return new Imported(text.append(body).toString(), List.copyOf(c.mapped), List.copyOf(c.unmapped));
  }

  private void convert(Map<String, Object> root) {
    Object version = root.get("version");
    if (!(version instanceof Number n) || n.intValue() < 3 || n.intValue() > 4) {
      unmapped.add("version: " + version + " read as 4 (3 and 4 are known; 2 is the 0.11 layout)");
    }
    for (Map.Entry<String, Object> e : root.entrySet()) {
      switch (e.getKey()) {
        case "version" -> { }
        case "uuid" -> put("uuid", "uuid", e.getValue());
        case "paths" -> map(e).forEach((k, v) -> {
          switch (k) {
            case "runtime", "spool" -> put("paths." + k, "paths." + k, v);
            default -> unmapped.add("paths." + k + ": plugins are built in; nothing to load");
          }
        });
        case "network" -> network(map(e));
        case "logging" -> logging(map(e));
        case "storages" -> storages(map(e));
        case "unicorns" -> unicorns(map(e));
        case "services" -> services(map(e));
        default -> unmapped.add(e.getKey() + ": not a setting of this runtime");
      }
    }
  }

  private void network(Map<String, Object> network) {
    network.forEach((k, v) -> {
      switch (k) {
        case "endpoint" -> put("network.endpoint", "network.host", v);
        case "hostname" -> put("network.hostname", "network.hostname", v);
        case "shared" -> put("network.shared", "network.shared-ports", v);
        case "pinned" -> asMap("network.pinned", v).forEach((service, port) -> put("network.pinned." + service,
            service.equals("locator") ? "network.locator-port" : "network.pinned." + service, port));
        default -> unmapped.add("network." + k + ": unknown network key");
      }
    });
  }

  private void logging(Map<String, Object> logging) {
    logging.forEach((k, v) -> {
      if (k.equals("severity")) {
        level("logging.severity", v);
      } else if (k.equals("core") && v instanceof Map<?, ?> core && core.get("verbosity") != null) {
        level("logging.core.verbosity", core.get("verbosity")); // version 3
        unmapped.add("logging.core loggers: sinks are console and file here (cocaine.logging.sinks)");
      } else {
        unmapped.add("logging." + k + ": sinks are console and file here (cocaine.logging.sinks); no formatters");
      }
    });
  }

  private void level(String from, Object v) {
    String level = v instanceof Number n && n.intValue() >= 0 && n.intValue() < LEVELS.size()
        ? LEVELS.get(n.intValue()) : String.valueOf(v).toLowerCase(Locale.ROOT);
    if (level.equals("warn")) {
      level = "warning";
    }
    if (LEVELS.contains(level)) {
      put(from, "logging.verbosity", level);
    } else {
      unmapped.add(from + ": '" + v + "' is not one of " + LEVELS);
    }
  }

  private void storages(Map<String, Object> storages) {
    storages.forEach((name, v) -> {
      Map<String, Object> storage = asMap("storages." + name, v);
      if (name.equals("core") && "files".equals(storage.get("type"))) {
        put("storages.core.type", "storage.backend", "files");
        Object path = asMap("storages.core.args", storage.getOrDefault("args", Map.of())).get("path");
        if (path != null) {
          put("storages.core.args.path", "paths.storage", path);
        }
      } else {
        unmapped.add("storages." + name + " (" + storage.get("type") + "): one storage here, `files` or `zookeeper`"
            + " (cocaine.storage.backend)");
      }
    });
  }

  private void unicorns(Map<String, Object> unicorns) {
    unicorns.forEach((name, v) -> {
      Map<String, Object> unicorn = asMap("unicorns." + name, v);
      Map<String, Object> args = asMap("unicorns." + name + ".args", unicorn.getOrDefault("args", Map.of()));
      if ("zookeeper".equals(unicorn.get("type")) && args.get("endpoints") instanceof List<?> endpoints) {
        List<String> connect = new ArrayList<>();
        for (Object endpoint : endpoints) {
          Map<String, Object> hp = asMap("unicorns." + name + ".args.endpoints[]", endpoint);
          connect.add(hp.get("host") + ":" + hp.get("port"));
        }
        put("unicorns." + name + ".args.endpoints", "storage.zookeeper.connect", String.join(",", connect));
        if (args.get("prefix") != null) {
          put("unicorns." + name + ".args.prefix", "storage.zookeeper.root", args.get("prefix"));
        }
        unmapped.add("unicorns." + name + ": no unicorn service; ZooKeeper serves as the storage once "
            + "cocaine.storage.backend = zookeeper");
      } else {
        unmapped.add("unicorns." + name + ": no unicorn service here");
      }
    });
  }

  private void services(Map<String, Object> services) {
    services.forEach((name, v) -> {
      Map<String, Object> service = asMap("services." + name, v);
      Map<String, Object> args = asMap("services." + name + ".args", service.getOrDefault("args", Map.of()));
      String type = String.valueOf(service.get("type"));
      if (type.equals("locator")) {
        locator(args);
      } else if (type.startsWith("node")) {
        args.forEach((k, a) -> {
          if (k.equals("runlist")) {
            put("services." + name + ".args.runlist", "node.runlist", a);
          } else {
            unmapped.add("services." + name + ".args." + k + ": not a node setting here");
          }
        });
      } else if (!type.equals("logging") && !type.equals("storage")) {
        unmapped.add("services." + name + " (" + type + "): no such service here (built in: locator, storage, "
            + "logging, node)");
      }
    });
  }

  private void locator(Map<String, Object> args) {
    String at = "services.locator.args.";
    args.forEach((k, v) -> {
      switch (k) {
        case "restrict" -> put(at + k, "locator.restrict", v);
        case "extra", "extra_param" -> put(at + k, "locator.extra", v);
        case "cluster" -> {
          Map<String, Object> cluster = asMap(at + k, v);
          String type = String.valueOf(cluster.get("type"));
          if (!type.equals("multicast") && !type.equals("predefine")) {
            unmapped.add(at + "cluster.type: '" + type + "' (none, multicast or predefine here)");
            return;
          }
          put(at + "cluster.type", "locator.cluster.type", type);
          asMap(at + "cluster.args", cluster.getOrDefault("args", Map.of())).forEach((ck, cv) -> {
            switch (ck) {
              case "group", "port" -> put(at + "cluster.args." + ck, "locator.cluster." + ck, cv);
              case "interval" -> put(at + "cluster.args.interval", "locator.cluster.interval",
                  cv instanceof Number n ? n.longValue() + "s" : cv);
              case "nodes" -> put(at + "cluster.args.nodes", "locator.cluster.nodes", nodes(cv));
              default -> unmapped.add(at + "cluster.args." + ck + ": no such cluster setting here");
            }
          });
        }
        case "gateway" -> unmapped.add(at + "gateway: set cocaine.balancer.gateway by hand (docs/operations.md)");
        default -> unmapped.add(at + k + ": no such locator setting here");
      }
    });
  }

  /** predefine's {uuid: [host, port]} (or "host:port") as {uuid: "host:port"}. */
  private static Map<String, Object> nodes(Object v) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (v instanceof Map<?, ?> m) {
      m.forEach((uuid, where) -> out.put(String.valueOf(uuid), where instanceof List<?> hp && hp.size() == 2
          ? hp.get(0) + ":" + hp.get(1) : String.valueOf(where)));
    }
    return out;
  }

  private void put(String from, String to, Object value) {
    String[] path = to.split("\\.");
    Map<String, Object> at = out;
    for (int i = 0; i < path.length - 1; i++) {
      @SuppressWarnings("unchecked")
      Map<String, Object> next = (Map<String, Object>) at.computeIfAbsent(path[i], p -> new LinkedHashMap<>());
      at = next;
    }
    at.put(path[path.length - 1], value);
    mapped.add(from + " -> cocaine." + to);
  }

  private static Map<String, Object> map(Map.Entry<String, Object> e) {
    return asMap(e.getKey(), e.getValue());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(String key, Object v) {
    if (!(v instanceof Map<?, ?>)) {
      throw new SettingsException("'" + key + "' of the original config must be an object, got " + v);
    }
    return (Map<String, Object>) v;
  }
}
