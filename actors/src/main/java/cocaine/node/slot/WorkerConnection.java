package cocaine.node.slot;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentMap;
import org.apache.pekko.Done;
import org.apache.pekko.stream.BoundedSourceQueue;

import cocaine.wire.Frame;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitch;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A worker's pipe after its handshake: the frames it sends (after the handshake frame), a sink that
 * any number of producers (one per invocation) may be attached to, each with a small bounded
 * buffer, the control queue that goes ahead of them, and a switch that closes the pipe.
 *
 * <p>Invokes go through the control queue, in the order the slot numbers their channels, because
 * workers take a channel as new only when its id is above every id seen so far (PROTOCOL.md 3.3);
 * a channel's later frames wait until its invoke has passed the merge ({@link #invokeWritten}).
 *
 * @param inbound the worker's frames; must be materialized once, promptly
 * @param outbound frames to the worker; every materialization adds one producer
 * @param control heartbeat replies, terminate and invokes; preferred over the producers
 * @param invokes channels whose invoke is queued but not yet merged into the pipe
 * @param close ends both directions
 */
record WorkerConnection(Source<Frame, NotUsed> inbound, Sink<Frame, NotUsed> outbound,
    BoundedSourceQueue<Frame> control, ConcurrentMap<Long, CompletableFuture<Done>> invokes, KillSwitch close) {

  /** Completes once the invoke of channel {@code ch} is in the pipe, ahead of the channel's other frames. */
  CompletionStage<Done> invokeWritten(long ch) {
    return invokes.computeIfAbsent(ch, k -> new CompletableFuture<>());
  }
}
