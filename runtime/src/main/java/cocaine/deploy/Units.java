package cocaine.deploy;

import java.util.Locale;

/** Sizes, durations and rates as people read them: {@code 1.5 MiB}, {@code 3h 12m}, {@code 12.5/s}. */
public final class Units {
  private Units() {}

  /** {@code 512 B}, {@code 1.5 KiB}, {@code 20.0 MiB}, ... */
  public static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  /** The two largest units of {@code seconds}: {@code 45s}, {@code 3m 5s}, {@code 2h 0m}, {@code 4d 3h}. */
  public static String duration(long seconds) {
    if (seconds < 0) {
      return "-";
    }
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m " + seconds % 60 + "s";
    }
    if (seconds < 86400) {
      return seconds / 3600 + "h " + seconds % 3600 / 60 + "m";
    }
    return seconds / 86400 + "d " + seconds % 86400 / 3600 + "h";
  }

  /** Events per second with one decimal, e.g. {@code 12.5/s}. */
  public static String rate(double perSecond) {
    return String.format(Locale.ROOT, "%.1f/s", perSecond);
  }
}
