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
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * msgpack bytes <-> frames for one connection; one frame may span many reads, one read may hold many
 * frames. Undecodable bytes, a broken frame shape or a frame over the limit fail the stream with a
 * {@link cocaine.wire.WireException}: the connection cannot be resynchronised. The bytes read and not
 * yet decoded count against the process's {@link WireBudget}; when it is spent, no more are read.
 */
public final class Codec {
  private Codec() {}

  /** Top: frames to bytes (always 4 elements, old raw dialect). Bottom: bytes to frames. */
  public static BidiFlow<Frame, ByteString, ByteString, Frame, NotUsed> codec(int maxFrameBytes) {
    return codec(maxFrameBytes, WireBudget.process());
  }

  /** {@link #codec(int)} reading within {@code budget} rather than the process's. */
  public static BidiFlow<Frame, ByteString, ByteString, Frame, NotUsed> codec(int maxFrameBytes, WireBudget budget) {
    return BidiFlow.fromFlows(encoder(), decoder(maxFrameBytes, budget));
  }

  public static Flow<Frame, ByteString, NotUsed> encoder() {
    return Flow.of(Frame.class).map(f -> ByteString.fromArrayUnsafe(FrameEncoder.encode(f)));
  }

  public static Flow<ByteString, Frame, NotUsed> decoder(int maxFrameBytes) {
    return decoder(maxFrameBytes, WireBudget.process());
  }

  public static Flow<ByteString, Frame, NotUsed> decoder(int maxFrameBytes, WireBudget budget) {
    return Flow.fromGraph(new Decoder(maxFrameBytes, budget));
  }

  /**
   * Reads a chunk only on demand with no decoded frame waiting, and only when the {@link WireBudget}
   * allows; decodes a frame as soon as it is complete, so its bytes go back to the budget at once
   * (one decoded frame may wait for demand). Holds at most one frame and one chunk.
   */
  private static final class Decoder extends GraphStage<FlowShape<ByteString, Frame>> {
    private final int maxFrameBytes;
    private final WireBudget budget;
    private final Inlet<ByteString> in = Inlet.create("Codec.bytes");
    private final Outlet<Frame> out = Outlet.create("Codec.frames");
    private final FlowShape<ByteString, Frame> shape = FlowShape.of(in, out);

    Decoder(int maxFrameBytes, WireBudget budget) {
      this.maxFrameBytes = maxFrameBytes;
      this.budget = budget;
    }

    @Override
    public FlowShape<ByteString, Frame> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      return new GraphStageLogic(shape) {
        private final FrameDecoder decoder = new FrameDecoder(maxFrameBytes);
        /** Bytes this connection holds in the budget: always what the decoder holds undecoded. */
        private long counted;
        /** A frame decoded ahead of demand, its bytes given back: at most one. */
        private Frame ready;
        private boolean upstreamDone;
        private final AsyncCallback<Boolean> budgetFreed = createAsyncCallback(b -> advance());
        private final Runnable wakeUp = () -> budgetFreed.invoke(Boolean.TRUE);

        {
          setHandler(in, new AbstractInHandler() {
            @Override
            public void onPush() {
              byte[] chunk = grab(in).toArrayUnsafe();
              decoder.feed(chunk);
              budget.take(chunk.length);
              counted += chunk.length;
              advance();
            }

            @Override
            public void onUpstreamFinish() {
              upstreamDone = true;
              advance();
            }
          });
          setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
              advance();
            }
          });
        }

        /**
         * Emits what demand allows and decodes the next frame ahead (giving its bytes back); reads
         * on for demand with nothing decoded, within the budget. A reader in the middle of a frame
         * keeps the demand that made it read until the frame is decoded, so an overdraft it took
         * is given back as soon as it can be.
         */
        private void advance() {
          if (ready == null && !decodeNext()) {
            return;
          }
          if (ready != null && isAvailable(out)) {
            Frame frame = ready;
            ready = null;
            push(out, frame);
            if (!decodeNext()) {
              return;
            }
          }
          if (ready != null) {
            return;
          }
          if (upstreamDone) {
            // A peer that hangs up in the middle of a message just ends the stream.
            completeStage();
            return;
          }
          boolean midFrame = counted > 0;
          if (isAvailable(out) && !hasBeenPulled(in) && budget.mayRead(this, midFrame, wakeUp)) {
            pull(in);
          }
        }

        /** False when the bytes are not a frame: the stage has failed. */
        private boolean decodeNext() {
          try {
            ready = decoder.next();
          } catch (WireException e) {
            // Fail the stream without Pekko's stage-error log: the connection layer logs it once.
            failStage(e);
            return false;
          }
          if (ready != null) {
            long left = decoder.buffered();
            budget.give(counted - left);
            counted = left;
            budget.frameDone(this);
          }
          return true;
        }

        @Override
        public void postStop() {
          budget.give(counted);
          counted = 0;
          budget.frameDone(this);
        }
      };
    }
  }
}
