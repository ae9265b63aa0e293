package cocaine.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A writer killed with SIGKILL mid-write leaves the old value or the new one, never a mix. */
class TornWriteTest {
  @TempDir Path root;
  private volatile Process child;

  @AfterEach
  void killTheWriter() {
    if (child != null) {
      child.destroyForcibly(); // also unblocks a test thread left reading after a timeout
    }
  }

  @Test
  @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void valueIsWholeOldOrWholeNewAfterTheWriterIsKilledAtARandomMoment() throws Exception {
    long generation = 1;
    for (int round = 0; round < 8; round++) {
      int writesBeforeKill = 1 + ThreadLocalRandom.current().nextInt(6);
      long last = runAndKill(generation, writesBeforeKill);
      byte[] value;
      try (FilesStorage storage = FilesStorage.create(root, 1, 4)) {
        value = storage.read("torn", "key").toCompletableFuture().join();
        assertEquals(List.of("key"), storage.find("torn", List.of("tag")).toCompletableFuture().join());
      }
      if (value.length == 0) {
        throw new AssertionError("round " + round + ": value is empty (truncated)");
      }
      byte fill = value[0];
      for (int i = 0; i < value.length; i++) {
        if (value[i] != fill) {
          throw new AssertionError("round " + round + ": torn value, byte " + i + " is " + value[i] + " after " + fill);
        }
      }
      assertEquals(TornWriteChild.sizeFor(fill), value.length, "round " + round + ": truncated value of fill " + fill);
      // Generations stay below 200 here, so the fill byte names the generation exactly.
      long current = fill - 1;
      assertTrue(current >= last, "round " + round + ": value of generation " + current + ", older than reported " + last);
      generation = current + 1;
    }
  }

  /** Starts the writer, waits for {@code writes} reported writes, kills it; returns the last one reported. */
  private long runAndKill(long from, int writes) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    child = new ProcessBuilder(java, "-Xmx256m", "-cp", classpath, TornWriteChild.class.getName(),
        root.toString(), Long.toString(from))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    long last = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (int i = 0; i < writes; i++) {
        String line = out.readLine();
        if (line == null) {
          throw new AssertionError("writer exited early with status " + child.waitFor());
        }
        last = Long.parseLong(line.substring("written ".length()));
      }
      // the kill lands at a random point of the next write: now, or up to 40 ms later
      assertFalse(child.waitFor(ThreadLocalRandom.current().nextInt(40), TimeUnit.MILLISECONDS), "writer stopped by itself");
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "writer did not die");
    } finally {
      child.destroyForcibly();
    }
    assertEquals(137, child.exitValue(), "killed by SIGKILL");
    return last;
  }
}
