package cocaine.wire;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Junk from a peer: the frame decoder and its header table either produce frames or throw
 * {@link WireException}, never anything else, and never buffer more than one frame's limit plus the
 * last read. A decoded frame can be relayed (re-encoded) and read as an error. The input's first
 * byte sets the read size (the same bytes arrive cut differently), the rest is the stream.
 * Regression inputs live in {@code FrameDecoderFuzzTestInputs/}; {@code bench/fuzz/run.sh} runs it long.
 */
class FrameDecoderFuzzTest {
  static final int MAX_FRAME = 4096;

  @FuzzTest(maxDuration = "5s")
  void junkBytesGiveFramesOrWireException(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int readSize = (input[0] & 0xff) + 1;
    FrameDecoder decoder = new FrameDecoder(MAX_FRAME);
    for (int at = 1; at < input.length; at += readSize) {
      byte[] chunk = Arrays.copyOfRange(input, at, Math.min(input.length, at + readSize));
      decoder.feed(chunk);
      try {
        Frame frame;
        while ((frame = decoder.next()) != null) {
          relay(frame);
        }
      } catch (WireException e) {
        return; // the connection is closed; the decoder is not used again
      }
      assertTrue(decoder.buffered() <= MAX_FRAME + chunk.length,
          "buffered " + decoder.buffered() + " bytes with a limit of " + MAX_FRAME);
    }
  }

  /** What a runtime does with a frame it forwards or fails: encode it again, read it as an error. */
  private static void relay(Frame frame) {
    byte[] again = FrameEncoder.encode(frame);
    FrameDecoder fresh = new FrameDecoder(Math.max(16, again.length));
    fresh.feed(again);
    assertTrue(fresh.next() != null, "a re-encoded frame must decode again");
    frame.message().toException();
  }
}
