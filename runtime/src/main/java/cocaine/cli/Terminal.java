package cocaine.cli;

import java.util.Map;

/**
 * What the CLI's standard output is: a terminal gets colours and screens redrawn in place, a pipe or
 * a file plain text. Colours are off when {@code NO_COLOR} is set (no-color.org) or {@code TERM} is
 * {@code dumb}; {@code CLICOLOR_FORCE} turns them on anyway.
 *
 * @param tty whether stdout is a terminal
 * @param colour whether to colour what is printed
 */
record Terminal(boolean tty, boolean colour) {
  /** A pipe or a file: no colours, no redrawing. */
  static final Terminal PLAIN = new Terminal(false, false);

  private static final String RESET = "\033[0m";

  /** This process's stdout, as {@code env} and the console say. */
  static Terminal detect(Map<String, String> env) {
    boolean tty = System.console() != null;
    boolean forced = env.containsKey("CLICOLOR_FORCE") && !"0".equals(env.get("CLICOLOR_FORCE"));
    boolean colour = forced || (tty && !env.containsKey("NO_COLOR") && !"dumb".equals(env.get("TERM")));
    return new Terminal(tty, colour);
  }

  static Terminal detect() {
    return detect(System.getenv());
  }

  String bold(String text) {
    return paint("1", text);
  }

  String dim(String text) {
    return paint("2", text);
  }

  String red(String text) {
    return paint("31", text);
  }

  String green(String text) {
    return paint("32", text);
  }

  String yellow(String text) {
    return paint("33", text);
  }

  /** An app's or a slot's state, green when it runs, red when broken, yellow in between. */
  String state(String state) {
    return switch (state) {
      case "running", "active", "up", "ok" -> green(state);
      case "broken", "unresponsive", "failed", "error" -> red(state);
      default -> yellow(state);
    };
  }

  /** Moves the cursor home and clears the screen, so the next frame replaces this one (a TTY only). */
  String clearScreen() {
    return tty ? "\033[H\033[2J" : "";
  }

  private String paint(String code, String text) {
    return colour && !text.isEmpty() ? "\033[" + code + "m" + text + RESET : text;
  }

  /** The width {@code text} takes on the screen: its length without colour codes. */
  static int width(String text) {
    return text.replaceAll("\033\\[[0-9;]*m", "").length();
  }
}
