package cocaine.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows under a header, each column as wide as its widest cell, two spaces apart: what the list,
 * info and view commands print for people ({@code --json} prints the data instead). Cells may carry
 * colour codes: widths count what shows.
 */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... header) {
    this.header = List.of(header);
  }

  /** Adds a row; a cell that is null prints as {@code -}. */
  Table row(Object... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("a row of " + cells.length + " cells under " + header.size() + " columns "
          + header);
    }
    rows.add(Arrays.stream(cells).map(c -> c == null ? "-" : c.toString()).toList());
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Prints the header (bold on a colour terminal) and the rows; the last column is not padded. */
  void print(PrintWriter out, Terminal terminal) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], Terminal.width(row.get(i)));
      }
    }
    out.println(line(header.stream().map(terminal::bold).toList(), widths));
    for (List<String> row : rows) {
      out.println(line(row, widths));
    }
    out.flush();
  }

  private static String line(List<String> cells, int[] widths) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      b.append(cell);
      if (i < cells.size() - 1) {
        b.append(" ".repeat(widths[i] - Terminal.width(cell) + 2));
      }
    }
    return b.toString().stripTrailing();
  }
}
