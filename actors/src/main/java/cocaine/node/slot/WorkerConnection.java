package cocaine.node.slot;

import cocaine.wire.Frame;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitch;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A worker's pipe after its handshake: the frames it sends (after the handshake frame), the writer
 * of everything that goes to it (control frames, invokes and the invocations' frames), and a switch
 * that closes the pipe.
 *
 * @param inbound the worker's frames; must be materialized once, promptly
 * @param writer control frames and invocation channels towards the worker
 * @param close ends both directions
 */
record WorkerConnection(Source<Frame, NotUsed> inbound, PipeWriter.Handle writer, KillSwitch close) {}
