package cocaine.logging;

import java.io.PrintStream;
import java.util.Map;

/** Writes each record as one line of text: {@code <time> <LEVEL> [<source>] <message> k=v ...}. */
public final class ConsoleSink implements Sink {
  private final PrintStream out;

  public ConsoleSink(PrintStream out) {
    this.out = out;
  }

  /** A sink on standard output. */
  public static ConsoleSink stdout() {
    return new ConsoleSink(System.out);
  }

  @Override
  public void accept(LogRecord record) {
    out.println(format(record));
  }

  static String format(LogRecord record) {
    StringBuilder line = new StringBuilder()
        .append(record.timestamp()).append(' ')
        .append(String.format("%-7s", record.severity().name())).append(" [")
        .append(record.source()).append("] ")
        // one record, one line: an embedded newline would forge a second record
        .append(record.message().replace("\r", "\\r").replace("\n", "\\n"));
    for (Map.Entry<String, Object> a : record.attributes().entrySet()) {
      line.append(' ').append(a.getKey()).append('=').append(a.getValue());
    }
    return line.toString();
  }

  @Override
  public void close() {
    out.flush();
  }
}
