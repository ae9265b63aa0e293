package cocaine.rpc.service;

import cocaine.rpc.channel.FeedInlet;
import cocaine.rpc.channel.Handoff;
import cocaine.wire.Message;

/**
 * A {@link Service} that can serve some channels with no stream materialized for them: both
 * directions are {@link Handoff.Feed}s, read by the connection's own stage (a {@link FeedInlet}).
 * For a request that costs microseconds, materializing a sub-stream per channel each way cost more
 * than the request itself.
 */
public interface DirectService extends Service {
  /**
   * Serves one channel like {@link Service#open}, or returns null to have it served by
   * {@code open} instead (then {@code rest} is untouched).
   *
   * @param rest the client's later messages, checked against the dispatch graph; consume it once
   *     ({@link FeedInlet}, or {@link Handoff} as a source), or cancel it with {@link FeedInlet#cancel}
   * @return the upstream messages, in the method's upstream graph, fed by the service; a failure
   *     is sent as with {@code open}
   */
  Handoff.Feed<Message> openDirect(ChannelContext channel, Message first, Handoff.Feed<Message> rest);
}
