package cocaine.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The lines a long-running command (such as {@code cocaine logs -f}) prints, collected as they come. */
final class PrintedLines {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Thread reader;

  private PrintedLines(Process process) {
    reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l; (l = in.readLine()) != null; ) {
          lines.add(l);
        }
      } catch (IOException e) {
        lines.add("reader: " + e);
      }
    }, "printed-lines-" + process.pid());
    reader.start();
  }

  /** Starts reading the process's standard output. */
  static PrintedLines of(Process process) {
    return new PrintedLines(process);
  }

  /** The lines so far; the list grows as the process prints. */
  List<String> lines() {
    return lines;
  }

  /** Waits for the end of the output (the process ended) at most {@code millis}. */
  void join(long millis) throws InterruptedException {
    reader.join(millis);
  }
}
