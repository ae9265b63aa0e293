package cocaine.node.slot;

import org.apache.pekko.stream.KillSwitch;

/**
 * A worker's pipe after its handshake: the pipe's controls (reading its frames, control frames and
 * invocation channels towards it) and a switch that closes the pipe.
 *
 * @param pipe started by the slot once it is ready for the worker's frames
 * @param close ends both directions
 */
record WorkerConnection(PipeStage.Handle pipe, KillSwitch close) {}
