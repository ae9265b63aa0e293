package cocaine.bench;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ImmutableValue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One {@code write} frame with a 64-byte or 4 KiB payload, decoded and encoded by our codec
 * ({@link FrameDecoder}: scan for the frame's end, unpack, check the shape, build a {@link Frame};
 * {@link FrameEncoder}: old raw dialect) against plain msgpack-java on the same bytes and value.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
  @Param({"64", "4096"})
  public int payloadBytes;

  private Frame frame;
  private byte[] bytes;
  private ImmutableValue value;
  /** One decoder per connection direction in real use, so it is kept across calls here too. */
  private FrameDecoder decoder;

  @Setup
  public void setUp() throws IOException {
    byte[] payload = new byte[payloadBytes];
    Arrays.fill(payload, (byte) 'x');
    frame = Message.write(Values.bytes(payload)).on(1);
    bytes = FrameEncoder.encode(frame);
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
      value = u.unpackValue();
    }
    decoder = new FrameDecoder(16 << 20);
  }

  @Benchmark
  public Frame decode() {
    decoder.feed(bytes);
    return decoder.next();
  }

  @Benchmark
  public ImmutableValue decodePlainMsgpack() throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
      return u.unpackValue();
    }
  }

  @Benchmark
  public byte[] encode() {
    return FrameEncoder.encode(frame);
  }

  @Benchmark
  public byte[] encodePlainMsgpack() throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packValue(value);
    return p.toByteArray();
  }
}
