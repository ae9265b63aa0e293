package cocaine.storage;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Child process of {@link TornWriteTest}: rewrites one key with big values forever, printing
 * "written N" after each; the test kills it with SIGKILL at some point.
 */
public final class TornWriteChild {
  static final int BASE_SIZE = 16 << 20;

  /** Generation n's value: one fill byte, and a length that differs from its neighbours'. */
  static byte[] value(long generation) {
    byte fill = (byte) (1 + generation % 200);
    byte[] v = new byte[sizeFor(fill)];
    Arrays.fill(v, fill);
    return v;
  }

  static int sizeFor(byte fill) {
    return BASE_SIZE + (fill % 4) * 65536 + fill;
  }

  public static void main(String[] args) {
    FilesStorage storage = FilesStorage.create(Path.of(args[0]), 1, 4);
    long start = Long.parseLong(args[1]);
    for (long n = start; ; n++) {
      storage.write("torn", "key", value(n), List.of("tag")).toCompletableFuture().join();
      System.out.println("written " + n);
      System.out.flush();
    }
  }
}
