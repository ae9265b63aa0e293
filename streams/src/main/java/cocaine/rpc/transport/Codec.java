package cocaine.rpc.transport;

import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.FrameEncoder;
import cocaine.wire.WireException;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * msgpack bytes <-> frames for one connection; one frame may span many reads, one read may hold many
 * frames. Undecodable bytes, a broken frame shape or a frame over the limit fail the stream with a
 * {@link cocaine.wire.WireException}: the connection cannot be resynchronised.
 */
public final class Codec {
  private Codec() {}

  /** Top: frames to bytes (always 4 elements, old raw dialect). Bottom: bytes to frames. */
  public static BidiFlow<Frame, ByteString, ByteString, Frame, NotUsed> codec(int maxFrameBytes) {
    return BidiFlow.fromFlows(encoder(), decoder(maxFrameBytes));
  }

  public static Flow<Frame, ByteString, NotUsed> encoder() {
    return Flow.of(Frame.class).map(f -> ByteString.fromArrayUnsafe(FrameEncoder.encode(f)));
  }

  public static Flow<ByteString, Frame, NotUsed> decoder(int maxFrameBytes) {
    return Flow.fromGraph(new Decoder(maxFrameBytes));
  }

  /**
   * Feeds a chunk only after every complete frame before it was emitted, so it holds at most one
   * incomplete frame plus one chunk.
   */
  private static final class Decoder extends GraphStage<FlowShape<ByteString, Frame>> {
    private final int maxFrameBytes;
    private final Inlet<ByteString> in = Inlet.create("Codec.bytes");
    private final Outlet<Frame> out = Outlet.create("Codec.frames");
    private final FlowShape<ByteString, Frame> shape = FlowShape.of(in, out);

    Decoder(int maxFrameBytes) {
      this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    public FlowShape<ByteString, Frame> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      return new GraphStageLogic(shape) {
        private final FrameDecoder decoder = new FrameDecoder(maxFrameBytes);
        private boolean upstreamDone;

        {
          setHandler(in, new AbstractInHandler() {
            @Override
            public void onPush() {
              decoder.feed(grab(in).toArrayUnsafe());
              emitOrPull();
            }

            @Override
            public void onUpstreamFinish() {
              upstreamDone = true;
              if (isAvailable(out)) {
                emitOrPull();
              }
            }
          });
          setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
              emitOrPull();
            }
          });
        }

        // Called only when `out` is available.
        private void emitOrPull() {
          Frame frame;
          try {
            frame = decoder.next();
          } catch (WireException e) {
            // Fail the stream without Pekko's stage-error log: the connection layer logs it once.
            failStage(e);
            return;
          }
          if (frame != null) {
            push(out, frame);
          } else if (upstreamDone) {
            // A peer that hangs up in the middle of a message just ends the stream.
            completeStage();
          } else if (!hasBeenPulled(in)) {
            pull(in);
          }
        }
      };
    }
  }
}
