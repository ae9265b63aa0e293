package cocaine.node.slot;

import cocaine.wire.Frame;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitch;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A worker's pipe after its handshake: the frames it sends (after the handshake frame), a sink that
 * any number of producers (control channel, one per invocation) may be attached to, each with a
 * small bounded buffer, and a switch that closes the pipe.
 *
 * @param inbound the worker's frames; must be materialized once, promptly
 * @param outbound frames to the worker; every materialization adds one producer
 * @param close ends both directions
 */
record WorkerConnection(Source<Frame, NotUsed> inbound, Sink<Frame, NotUsed> outbound, KillSwitch close) {}
