package cocaine.cli;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/**
 * The one line a failed command prints: what went wrong, where, and what to do next. A runtime
 * that does not answer, a host that does not resolve, a service nobody publishes, a missing object,
 * a wrong token and a late answer each get their next step.
 */
final class FailureReport {
  /** Services of a node's runtime: when one is missing, the address is not a node's locator. */
  private static final Set<String> PLATFORM = Set.of("storage", "node", "logging", "locator", "unicorn");
  private static final String WHERE = "(also COCAINE_HOST/COCAINE_PORT, or locator.host/port in ~/.cocaine/tools.yml)";

  private FailureReport() {}

  /** The message for {@code e}, thrown by {@code cmd}; names the locator when the command has one. */
  static String explain(Throwable e, CommandLine cmd) {
    Target target = target(cmd);
    String locator = target == null ? null : target.host + ":" + target.port;
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    for (Throwable t : chain) {
      if (t instanceof CocaineException ce) {
        return "error " + ce.code() + ": " + ce.getMessage() + nextStep(ce, cmd, locator);
      }
      if (t instanceof IOException && message(t).startsWith("service '") && message(t).contains("accepts connections")) {
        return message(t) + ": the runtime may be restarting it; retry in a moment, or read the runtime's log";
      }
    }
    if (target != null && chain.stream().anyMatch(UnknownHostException.class::isInstance)) {
      return "cannot resolve the locator host '" + target.host + "': check --host " + WHERE;
    }
    for (Throwable t : chain) {
      if (locator != null && t instanceof IOException && message(t).startsWith("cannot connect to " + locator + ":")) {
        String reason = t.getCause() == null ? message(t) : message(t.getCause());
        return "no runtime at " + locator + " (" + reason + "): start one with scripts/quickstart.sh, or point at a"
            + " running one with --host/--port " + WHERE;
      }
    }
    return message(e);
  }

  private static String nextStep(CocaineException e, CommandLine cmd, String locator) {
    ErrorCode code = e.code();
    if (code.equals(ErrorCode.SERVICE_NOT_AVAILABLE)) {
      String service = quoted(e.getMessage());
      if (service.equals("unicorn")) {
        return "; the runtime at " + locator + " does not serve it: set cocaine.services.unicorn.enabled = on on its"
            + " node (docs/operations.md)";
      }
      if (PLATFORM.contains(service)) {
        return "; the runtime at " + locator + " does not run it: point --host/--port at the locator of a runtime"
            + " with --role node or all";
      }
      return "; 'cocaine info' lists the apps that run, 'cocaine app start -n NAME -r PROFILE' starts one";
    }
    if (code.equals(ErrorCode.NOT_FOUND)) {
      CommandLine group = cmd.getParent();
      if (group != null && group.getParent() != null && group.getSubcommands().containsKey("list")) {
        return "; '" + group.getCommandSpec().qualifiedName() + " list' shows what there is";
      }
      return "";
    }
    if (code.equals(ErrorCode.TIMEOUT)) {
      return "; the runtime may be busy: retry, or wait longer with --timeout 60s";
    }
    if (code.equals(ErrorCode.UNAUTHORIZED)) {
      return "; check the token you give (--token, --token-file, COCAINE_TOKEN, COCAINE_TOKEN_FILE or secure.token"
          + " in ~/.cocaine/tools.yml)";
    }
    return "";
  }

  /** The first 'quoted' word of a message, e.g. the service of "service 'echo' is not available". */
  private static String quoted(String message) {
    int a = message == null ? -1 : message.indexOf('\'');
    int b = a < 0 ? -1 : message.indexOf('\'', a + 1);
    return b < 0 ? "" : message.substring(a + 1, b);
  }

  private static Target target(CommandLine cmd) {
    CommandLine.Model.CommandSpec mixin = cmd.getCommandSpec().mixins().get("target");
    return mixin != null && mixin.userObject() instanceof Target t ? t : null;
  }

  private static String message(Throwable t) {
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
