package cocaine.rpc.transport;

import static cocaine.wire.WireBytes.concat;
import static cocaine.wire.WireBytes.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cocaine.rpc.service.TestSystem;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.apache.pekko.stream.testkit.javadsl.TestSource;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class CodecTest {
  private static final List<Frame> FRAMES = List.of(
      Message.of(0, Values.str("echo")).on(1),
      Message.write(Values.bytes(new byte[1000])).on(2),
      new Frame(3, 2, List.of(), List.of(Header.ofLong(Header.TRACE_ID, 7), Header.of(Header.AUTHORIZATION, "x"))),
      Message.error(ErrorCode.SLOT_NOT_FOUND, "no").on(4));

  private static List<Frame> decode(List<ByteString> chunks) throws Exception {
    return Source.from(chunks).via(Codec.decoder(1 << 20)).runWith(Sink.seq(), TestSystem.get())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void everyCutOffsetGivesTheSameFrames() throws Exception {
    byte[] bytes = Source.from(FRAMES).via(Codec.encoder()).runFold(ByteString.emptyByteString(), ByteString::concat,
        TestSystem.get()).toCompletableFuture().get(10, TimeUnit.SECONDS).toArray();
    assertEquals(FRAMES, decode(List.of(ByteString.fromArray(bytes))));
    for (int cut = 0; cut <= bytes.length; cut++) {
      List<ByteString> chunks = List.of(ByteString.fromArray(Arrays.copyOf(bytes, cut)),
          ByteString.fromArray(Arrays.copyOfRange(bytes, cut, bytes.length)));
      assertEquals(FRAMES, decode(chunks), "cut at " + cut);
    }
  }

  @Test
  void framesBufferedWhenTheBytesEndAreAllEmitted() {
    byte[] all = concat(FRAMES.stream().map(FrameEncoder::encode).toArray(byte[][]::new));
    Pair<TestPublisher.Probe<ByteString>, TestSubscriber.Probe<Frame>> probes =
        TestSource.<ByteString>probe(TestSystem.classic()).via(Codec.decoder(1 << 20))
            .toMat(TestSink.probe(TestSystem.classic()), Keep.both()).run(TestSystem.get());
    // All frames arrive in one chunk and the bytes end before anyone asked for a frame.
    probes.first().sendNext(ByteString.fromArray(all)).sendComplete();
    List<Frame> got = new ArrayList<>();
    for (int i = 0; i < FRAMES.size(); i++) {
      got.add(probes.second().requestNext());
    }
    probes.second().request(1).expectComplete();
    assertEquals(FRAMES, got);
  }

  @Test
  void undecodableBytesFailTheStreamWithAWireException() {
    ExecutionException e = assertThrows(ExecutionException.class, () -> decode(List.of(ByteString.fromArray(
        concat(FrameEncoder.encode(FRAMES.get(0)), hex("c1"))))));
    assertEquals(ErrorCode.PARSE, assertInstanceOf(WireException.class, e.getCause()).code());
  }

  @Test
  void encoderSendsFourElementFrames() throws Exception {
    ByteString bytes = Source.single(Message.of(0, Values.str("echo")).on(1)).via(Codec.encoder())
        .runWith(Sink.head(), TestSystem.get()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals("94 01 00 91 a4 65 63 68 6f 90", hex(bytes.toArray()));
  }
}
