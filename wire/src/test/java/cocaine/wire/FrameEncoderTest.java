package cocaine.wire;

import static cocaine.wire.WireBytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.value.ValueFactory;

class FrameEncoderTest {
  private static final String FORTY = "a".repeat(40);

  @Test
  void fortyByteStringsAreStr16NeverStr8OrBin() {
    Frame frame = new Frame(1, 0, List.of(Values.str(FORTY), Values.bytes(FORTY.getBytes()),
        ValueFactory.newBinary(FORTY.getBytes()), Values.array(Values.str(FORTY))),
        List.of(Header.of(FORTY, FORTY)));
    byte[] bytes = FrameEncoder.encode(frame);
    for (byte b : bytes) {
      int u = b & 0xff;
      assertTrue(u != 0xd9 && u != 0xc4 && u != 0xc5 && u != 0xc6, "type byte " + Integer.toHexString(u) + " in " + hex(bytes));
    }
    assertTrue(hex(FrameEncoder.encodeValue(Values.str(FORTY))).startsWith("da 00 28 61"));
    assertEquals(6, hex(bytes).split("da 00 28", -1).length - 1);
  }

  @Test
  void alwaysFourElementsWithLiteralUnstoredHeaders() {
    assertEquals("94 01 00 91 a4 65 63 68 6f 90", hex(FrameEncoder.encode(Message.of(0, Values.str("echo")).on(1))));
    byte[] traced = FrameEncoder.encode(new Frame(2, 0, List.of(), List.of(Header.ofLong(Header.TRACE_ID, 1))));
    assertEquals("94 02 00 90 91 93 c2 a8 74 72 61 63 65 5f 69 64 a8 01 00 00 00 00 00 00 00", hex(traced));
  }

  @Test
  void encodedFramesDecodeBackUnchanged() {
    Frame frame = new Frame(1L << 40, 2, List.of(Values.integer(-1), Values.nil(), Values.bool(true),
        ValueFactory.newFloat(1.5), ValueFactory.newMap(Values.integer(0), Values.str("value"))),
        List.of(Header.of(Header.AUTHORIZATION, "TVM x"), Header.ofLong(Header.REQUEST_TIMEOUT, 1500)));
    FrameDecoder d = new FrameDecoder(1 << 20);
    d.feed(FrameEncoder.encode(frame));
    assertEquals(frame, d.next());
  }

  @Test
  void errorMessageShape() {
    byte[] bytes = FrameEncoder.encode(Message.error(ErrorCode.SLOT_NOT_FOUND, "x").on(3));
    assertEquals("94 03 01 92 92 07 05 a1 78 90", hex(bytes));
  }

  @Test
  void aThreadEncodesTheSameBytesAfterALargeFrameAndAfterAFailedOne() {
    Frame small = Message.of(0, Values.str("echo")).on(1);
    String expected = hex(FrameEncoder.encode(small));
    byte[] big = FrameEncoder.encode(new Frame(3, 0, List.of(Values.bytes(new byte[200_000])), List.of()));
    assertEquals(200_000 + 10, big.length); // 94 03 00 91 db+length ... 90
    assertEquals(expected, hex(FrameEncoder.encode(small)), "after a frame larger than the kept buffer");
    assertThrows(IllegalArgumentException.class, () -> FrameEncoder.encode(new Frame(4, 0,
        List.of(Values.str("half"), ValueFactory.newInteger(BigInteger.ONE.shiftLeft(70))), List.of())));
    assertEquals(expected, hex(FrameEncoder.encode(small)), "after a packing that failed half way");
  }

  @Test
  void aLargePayloadCostsLittleMoreThanItsCopiesNotABufferTwiceItsSize() {
    byte[] body = new byte[16 << 20];
    Frame frame = new Frame(1, 0, List.of(Values.bytes(body)), List.of(Header.of("x", "y")));
    FrameEncoder.encode(new Frame(1, 0, List.of(Values.str("warm")), List.of())); // the thread's scratch exists
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    byte[] encoded = FrameEncoder.encode(frame);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(encoded.length > body.length, "the frame holds the body");
    // the scratch (the body and room for the headers after it) and the result: ~2x; growing by
    // doubling for the header bytes after the body made it ~4x (a second scratch twice its size)
    assertTrue(allocated < 2.5 * body.length, "encoding a 16 MiB body allocated " + allocated + " bytes");
  }
}
