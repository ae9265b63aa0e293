package cocaine.node.slot;

import cocaine.storage.Storage;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dead worker's last output as stored for {@code cocaine-tool crashlog} (docs/protocol.md 4.1, 4.6):
 * collection {@code crashlogs}, key {@code <µs since epoch>:<uuid>}, tags the app and
 * {@code cocaine-YYYY-MM-DD} (UTC), value a msgpack array of the lines.
 */
record Crashlog(String app, String uuid, Instant at, List<String> lines) {
  static final String COLLECTION = "crashlogs";
  private static final Logger LOG = LoggerFactory.getLogger(Slot.class); // written as its slot's last word
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("'cocaine-'yyyy-MM-dd").withZone(ZoneOffset.UTC);

  Crashlog {
    lines = List.copyOf(lines);
  }

  String key() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, at) + ":" + uuid;
  }

  List<String> tags() {
    return List.of(app, DAY.format(at));
  }

  byte[] value() {
    return FrameEncoder.encodeValue(Values.strings(lines));
  }

  /** Writes it to {@code storage} in the background; a failure is logged naming {@code who}, the worker. */
  void store(Storage storage, String who) {
    storage.write(COLLECTION, key(), value(), tags()).whenComplete((v, e) -> {
      if (e != null) {
        LOG.warn("{}: cannot write crashlog {}: {}", who, key(), e.toString());
      }
    });
  }
}
