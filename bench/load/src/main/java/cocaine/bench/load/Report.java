package cocaine.bench.load;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table printed at the end of a benchmark: header, rows, right-aligned numbers. */
final class Report {
  private final List<String[]> rows = new ArrayList<>();

  Report(String... header) {
    rows.add(header);
  }

  void row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = String.valueOf(cells[i]);
    }
    rows.add(r);
  }

  void print() {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols && i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    // A column is right-aligned when its first data cell is a number (ops/s, ms, 1.00x, ...).
    boolean[] numeric = new boolean[cols];
    for (int i = 0; i < cols && rows.size() > 1; i++) {
      numeric[i] = i < rows.get(1).length && rows.get(1)[i].matches("[-+0-9.,x%]+");
    }
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < rows.size(); k++) {
      String[] r = rows.get(k);
      sb.append('|');
      for (int i = 0; i < cols; i++) {
        String c = i < r.length ? r[i] : "";
        sb.append(' ').append(pad(c, width[i], numeric[i])).append(" |");
      }
      sb.append('\n');
      if (k == 0) {
        sb.append('|');
        for (int i = 0; i < cols; i++) {
          sb.append('-').append("-".repeat(width[i])).append(numeric[i] ? ":|" : "-|");
        }
        sb.append('\n');
      }
    }
    System.out.print(sb);
    System.out.flush();
  }

  private static String pad(String s, int w, boolean right) {
    String fill = " ".repeat(Math.max(0, w - s.length()));
    return right ? fill + s : s + fill;
  }

  static String ms(double micros) {
    return micros < 0 ? "-" : String.format("%.3f", micros / 1000.0);
  }

  static String num(double v) {
    return String.format("%,.0f", v);
  }
}
