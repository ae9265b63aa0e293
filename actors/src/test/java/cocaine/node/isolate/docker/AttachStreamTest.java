package cocaine.node.isolate.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.isolate.OutputRing;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttachStreamTest {

  private static byte[] frame(int stream, String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[AttachStream.HEADER + payload.length];
    out[0] = (byte) stream;
    out[4] = (byte) (payload.length >>> 24);
    out[5] = (byte) (payload.length >>> 16);
    out[6] = (byte) (payload.length >>> 8);
    out[7] = (byte) payload.length;
    System.arraycopy(payload, 0, out, AttachStream.HEADER, payload.length);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Gives the bytes in reads that end at {@code cut}, as a socket may. */
  private static InputStream cutAt(byte[] bytes, int cut) {
    return new SequenceInputStream(new ByteArrayInputStream(Arrays.copyOfRange(bytes, 0, cut)),
        new ByteArrayInputStream(Arrays.copyOfRange(bytes, cut, bytes.length)));
  }

  @Test
  void stdoutAndStderrFramesBecomeLinesWhereverTheReadsAreCut() throws IOException {
    byte[] bytes = concat(frame(1, "out 1\nout "), frame(2, ""), frame(1, "2\n"), frame(2, "err 1\ntail"));
    for (int cut = 0; cut <= bytes.length; cut++) {
      OutputRing ring = new OutputRing(10, 4096, line -> {});
      AttachStream.copy(cutAt(bytes, cut), ring);
      assertEquals(List.of("out 1", "out 2", "err 1", "tail"), ring.snapshot(), "cut at " + cut);
    }
  }

  @Test
  void aFloodingContainerKeepsOnlyTheRingsBound() throws IOException {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      text.append("line ").append(i).append('\n');
    }
    OutputRing ring = new OutputRing(3, 4096, line -> {});
    AttachStream.copy(new ByteArrayInputStream(frame(1, text.toString())), ring);
    assertEquals(List.of("line 997", "line 998", "line 999"), ring.snapshot());
  }

  @Test
  void streamEndingInsideAFrameKeepsWhatWasReadAndFails() {
    byte[] whole = frame(1, "complete\npartial line");
    OutputRing ring = new OutputRing(10, 4096, line -> {});
    assertThrows(IOException.class, () -> AttachStream.copy(new ByteArrayInputStream(
        Arrays.copyOf(whole, whole.length - 3)), ring));
    assertEquals(List.of("complete", "partial l"), ring.snapshot());
  }

  @Test
  void ttyOutputIsRefusedAsNotMultiplexed() {
    OutputRing ring = new OutputRing(10, 4096, line -> {});
    IOException e = assertThrows(IOException.class, () -> AttachStream.copy(new ByteArrayInputStream(
        "plain tty output\n".getBytes(StandardCharsets.UTF_8)), ring));
    assertTrue(e.getMessage().contains("not a multiplexed attach stream"), e.getMessage());
  }
}
