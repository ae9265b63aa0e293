package cocaine.wire;

import static cocaine.wire.WireBytes.concat;
import static cocaine.wire.WireBytes.hex;
import static cocaine.wire.WireBytes.pack;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
  private static final int MAX = 16 << 20;

  private static List<Frame> decodeAll(FrameDecoder d, byte[]... chunks) {
    List<Frame> frames = new ArrayList<>();
    for (byte[] chunk : chunks) {
      d.feed(chunk);
      for (Frame f = d.next(); f != null; f = d.next()) {
        frames.add(f);
      }
    }
    return frames;
  }

  private static Frame decodeOne(byte[] bytes) {
    List<Frame> frames = decodeAll(new FrameDecoder(MAX), bytes);
    assertEquals(1, frames.size(), "frames in " + hex(bytes));
    return frames.get(0);
  }

  @Test
  void resolveFromPythonClientDecodes() {
    Frame f = decodeOne(hex("94 01 00 91 a4 65 63 68 6f 90"));
    assertEquals(1, f.channel());
    assertEquals(0, f.type());
    assertEquals(List.of(Values.str("echo")), f.args());
    assertEquals(List.of(), f.headers());
  }

  @Test
  void threeElementFramesAndNilHeadersAreAccepted() {
    Frame three = decodeOne(hex("93 cd 03 e7 00 91 a7 6c 6f 67 67 69 6e 67")); // [999, 0, ["logging"]]
    assertEquals(999, three.channel());
    assertEquals(List.of(Values.str("logging")), three.args());
    Frame nilHeaders = decodeOne(hex("94 02 01 90 c0"));
    assertEquals(2, nilHeaders.channel());
    assertEquals(List.of(), nilHeaders.headers());
    Frame extra = decodeOne(hex("95 03 02 90 90 a1 78"));
    assertEquals(3, extra.channel());
  }

  /** A stream of varied frames, including ones whose last byte is a fixed-size value or a string. */
  private static byte[] mixedStream() {
    byte[] big = new byte[300];
    Arrays.fill(big, (byte) 'x');
    return concat(
        hex("94 01 00 91 a4 65 63 68 6f 90"),
        hex("93 02 00 91 a4 65 63 68 6f"), // 3 elements, ends inside a string
        hex("94 03 00 90 91 cf 00 00 00 00 00 00 00 50"), // bare index 80 as uint64, last
        FrameEncoder.encode(new Frame(4, 0, List.of(Values.bytes(big), Values.integer(-5), Values.integer(1L << 40)),
            List.of(Header.ofLong(Header.TRACE_ID, 0x1122334455667788L)))),
        pack(p -> {
          p.packArrayHeader(3).packInt(5).packInt(2);
          p.packArrayHeader(2).packMapHeader(1).packInt(1).packString("v").packBinaryHeader(3).writePayload(new byte[] {1, 2, 3});
        }),
        hex("93 06 01 92 92 07 05 a0"));
  }

  @Test
  void everyCutOffsetGivesTheSameFrames() {
    byte[] stream = mixedStream();
    List<Frame> whole = decodeAll(new FrameDecoder(MAX), stream);
    assertEquals(6, whole.size());
    for (int cut = 0; cut <= stream.length; cut++) {
      List<Frame> split = decodeAll(new FrameDecoder(MAX), Arrays.copyOf(stream, cut),
          Arrays.copyOfRange(stream, cut, stream.length));
      assertEquals(whole, split, "cut at " + cut);
    }
    FrameDecoder byteByByte = new FrameDecoder(MAX);
    List<Frame> frames = new ArrayList<>();
    for (byte b : stream) {
      frames.addAll(decodeAll(byteByByte, new byte[] {b}));
    }
    assertEquals(whole, frames);
    assertEquals(0, byteByByte.buffered());
  }

  @Test
  void strAndBinAreTheSameRawBytes() {
    Frame f = decodeOne(pack(p -> {
      p.packArrayHeader(3).packInt(1).packInt(0).packArrayHeader(2);
      p.packString("echo");
      p.packBinaryHeader(4).writePayload("echo".getBytes(StandardCharsets.UTF_8));
    }));
    assertEquals(Values.asString(f.args().get(0)), Values.asString(f.args().get(1)));
  }

  private static byte[] tracedCall(long channel, Packing headers) {
    return pack(p -> {
      p.packArrayHeader(4).packLong(channel).packInt(0).packArrayHeader(1).packString("ping");
      headers.write(p);
    });
  }

  private interface Packing extends WireBytes.Packing {}

  private static void literal(org.msgpack.core.MessageBufferPacker p, String name, long value) throws java.io.IOException {
    byte[] v = Header.ofLong(name, value).value();
    p.packArrayHeader(3).packBoolean(true).packRawStringHeader(name.length()).writePayload(name.getBytes(StandardCharsets.US_ASCII));
    p.packRawStringHeader(8).writePayload(v);
  }

  private static void byIndex85(org.msgpack.core.MessageBufferPacker p, String name, long value) throws java.io.IOException {
    p.packArrayHeader(3).packBoolean(true).packInt(85).packRawStringHeader(8).writePayload(Header.ofLong(name, value).value());
  }

  @Test
  void pythonClientHeaderCompressionDecodesToTheSameNames() {
    long trace = 0x1122334455667788L;
    FrameDecoder d = new FrameDecoder(MAX);
    byte[] first = tracedCall(1, p -> {
      p.packArrayHeader(3);
      literal(p, Header.TRACE_ID, trace);
      literal(p, Header.SPAN_ID, 2);
      literal(p, Header.PARENT_ID, 0);
    });
    // The first call's trace_id value goes out as 88 77 66 55 44 33 22 11 (little-endian).
    assertTrue(hex(first).contains("a8 74 72 61 63 65 5f 69 64 a8 88 77 66 55 44 33 22 11"), hex(first));
    byte[] second = tracedCall(2, p -> {
      p.packArrayHeader(3);
      byIndex85(p, Header.TRACE_ID, trace);
      byIndex85(p, Header.SPAN_ID, 2);
      byIndex85(p, Header.PARENT_ID, 0);
    });
    List<Frame> frames = decodeAll(d, first, second);
    List<Header> expected = List.of(Header.ofLong(Header.TRACE_ID, trace), Header.ofLong(Header.SPAN_ID, 2),
        Header.ofLong(Header.PARENT_ID, 0));
    assertEquals(expected, frames.get(0).headers());
    assertEquals(expected, frames.get(1).headers());
  }

  @Test
  void bareIndex80IsAZeroTraceId() {
    Frame f = decodeOne(hex("94 01 00 90 93 cf 00 00 00 00 00 00 00 50 51 52"));
    assertEquals(List.of(new Header(Header.TRACE_ID, new byte[8]), new Header(Header.SPAN_ID, new byte[8]),
        new Header(Header.PARENT_ID, new byte[8])), f.headers());
    assertEquals(0L, f.headers().get(0).asLong().orElseThrow());
  }

  @Test
  void headerTableEvictsAfterAboutThirtyTracedCalls() {
    FrameDecoder d = new FrameDecoder(MAX);
    for (int call = 1; call <= 40; call++) {
      long trace = 1000 + call;
      byte[] frame = call == 1
          ? tracedCall(call, p -> {
              p.packArrayHeader(3);
              literal(p, Header.TRACE_ID, trace);
              literal(p, Header.SPAN_ID, trace + 1);
              literal(p, Header.PARENT_ID, trace + 2);
            })
          : tracedCall(call, p -> {
              p.packArrayHeader(3);
              byIndex85(p, Header.TRACE_ID, trace);
              byIndex85(p, Header.SPAN_ID, trace + 1);
              byIndex85(p, Header.PARENT_ID, trace + 2);
            });
      Frame f = decodeAll(d, frame).get(0);
      assertEquals(List.of(Header.ofLong(Header.TRACE_ID, trace), Header.ofLong(Header.SPAN_ID, trace + 1),
          Header.ofLong(Header.PARENT_ID, trace + 2)), f.headers(), "call " + call);
    }
    // Each call stores 48 + 47 + 49 = 144 bytes: 28 calls fit in 4096, then the oldest are evicted.
    HeaderTable table = new HeaderTable();
    for (int call = 1; call <= 40; call++) {
      table.decode(org.msgpack.value.ValueFactory.newArray(
          entry(Header.TRACE_ID), entry(Header.SPAN_ID), entry(Header.PARENT_ID)));
      if (call == 28) {
        assertEquals(84, table.dynamicCount());
      }
    }
    assertTrue(table.dynamicCount() < 87, "entries kept: " + table.dynamicCount());
    WireException evicted = assertThrows(WireException.class, () -> table.decode(
        org.msgpack.value.ValueFactory.newArray(org.msgpack.value.ValueFactory.newInteger(83 + 90))));
    assertEquals(ErrorCode.HPACK, evicted.code());
  }

  private static org.msgpack.value.Value entry(String name) {
    return Values.array(Values.bool(true), Values.str(name), Values.bytes(new byte[8]));
  }

  @Test
  void oversizeFrameIsRefusedBeforeItsBytesArrive() {
    FrameDecoder d = new FrameDecoder(MAX);
    d.feed(hex("94 01 00 91 db 40 00 00 00")); // one str32 of 1 GiB
    WireException e = assertThrows(WireException.class, d::next);
    assertEquals(ErrorCode.PARSE, e.code());
    assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    assertTrue(d.buffered() < 64);

    FrameDecoder arrays = new FrameDecoder(MAX);
    arrays.feed(hex("94 01 00 dd ff ff ff ff")); // an array declaring 4 billion elements
    assertThrows(WireException.class, arrays::next);
  }

  @Test
  void incompleteFrameOverTheLimitIsRefused() {
    FrameDecoder d = new FrameDecoder(64);
    byte[] head = hex("94 01 00 dc 00 40"); // 64 elements of one byte each, never finished
    d.feed(head);
    assertThrows(WireException.class, d::next);
  }

  @Test
  void garbageIsAWireError() {
    FrameDecoder d = new FrameDecoder(MAX);
    d.feed(hex("c1 00 00"));
    assertEquals(ErrorCode.PARSE, assertThrows(WireException.class, d::next).code());
  }

  @Test
  void framesOfTheWrongShapeAreWireErrors() {
    for (String bad : List.of("a3 66 6f 6f", "05", "92 01 00", "93 ff 00 90", "93 01 a1 78 90", "93 01 00 a0",
        "94 01 00 90 a0", "94 01 00 90 91 00", "94 01 00 90 91 cc 99", "94 01 00 90 91 93 c3 a1 78 01")) {
      FrameDecoder d = new FrameDecoder(MAX);
      d.feed(hex(bad));
      assertThrows(WireException.class, d::next, bad);
    }
  }

  @Test
  void holdsNoMoreThanOneIncompleteFrame() {
    FrameDecoder d = new FrameDecoder(MAX);
    byte[] frame = hex("94 01 00 91 a4 65 63 68 6f 90");
    byte[] chunk = concat(frame, frame, Arrays.copyOf(frame, 5));
    assertEquals(2, decodeAll(d, chunk).size());
    assertEquals(5, d.buffered());
    assertNull(d.next());
    assertEquals(1, decodeAll(d, Arrays.copyOfRange(frame, 5, frame.length)).size());
    assertEquals(0, d.buffered());
    assertArrayEquals(new byte[0], Arrays.copyOf(frame, 0));
  }
}
