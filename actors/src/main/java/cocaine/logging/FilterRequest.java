package cocaine.logging;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.util.List;
import org.msgpack.value.Value;

/** The arguments of {@code set_filter} and {@code set_cluster_filter}, checked: logger, filter, ttl. */
record FilterRequest(String logger, LogFilter filter, long ttlSeconds) {
  /** Longest filter lifetime: ten years. */
  static final long MAX_TTL_SECONDS = 10L * 366 * 24 * 3600;
  static final int MAX_LOGGER_LENGTH = 256;

  /**
   * @throws CocaineException {@code [7, 2]} naming what is wrong, or {@code [12, 27]} for a filter
   *     over {@link LoggingService#MAX_FILTER_BYTES} or {@link LogFilter#MAX_NODES}
   */
  static FilterRequest of(String method, Signature signature, List<Value> args) {
    String logger = Values.asString(args.get(0));
    if (logger.isEmpty() || logger.length() > MAX_LOGGER_LENGTH) {
      throw signature.invalid(method, args, "logger must be 1 to " + MAX_LOGGER_LENGTH + " characters");
    }
    int bytes = FrameEncoder.encodeValue(args.get(1)).length;
    if (bytes > LoggingService.MAX_FILTER_BYTES) {
      throw new CocaineException(ErrorCode.TOO_BIG, method + ": the filter is " + bytes + " bytes packed, at most "
          + LoggingService.MAX_FILTER_BYTES);
    }
    LogFilter filter;
    try {
      filter = LogFilter.parse(args.get(1));
    } catch (IllegalArgumentException e) {
      throw new CocaineException(e.getMessage().startsWith("a filter may hold") ? ErrorCode.TOO_BIG
          : ErrorCode.INVALID_ARGUMENT, method + ": " + e.getMessage());
    }
    long ttl = args.get(2).asIntegerValue().isInLongRange() ? args.get(2).asIntegerValue().toLong() : -1;
    if (ttl < 1 || ttl > MAX_TTL_SECONDS) {
      throw signature.invalid(method, args, "ttl must be 1 to " + MAX_TTL_SECONDS + " seconds");
    }
    return new FilterRequest(logger, filter, ttl);
  }
}
