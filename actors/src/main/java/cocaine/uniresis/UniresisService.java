package cocaine.uniresis;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.MethodService;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The {@code uniresis} service (version 1): what this node has to offer a scheduler, its
 * {@code cpu_count} and {@code memory_count} (bytes), and its {@code uuid}, which stays the same
 * across restarts (kept in {@code uniresis.uuid} under the node's state folder). The answers are
 * fixed at start, so it holds no state and needs no actor.
 */
public final class UniresisService extends MethodService {
  public static final String NAME = "uniresis";
  public static final int VERSION = 1;
  public static final int CPU_COUNT = 0;
  public static final int MEMORY_COUNT = 1;
  public static final int UUID_METHOD = 2;
  public static final String UUID_FILE = "uniresis.uuid";
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(CPU_COUNT, "cpu_count", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(MEMORY_COUNT, "memory_count", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .method(UUID_METHOD, "uuid", Signature.NONE, Graph.TERMINAL, Graph.PRIMITIVE)
      .build();

  private final int cpuCount;
  private final long memoryCount;
  private final String uuid;

  public UniresisService(int cpuCount, long memoryCount, String uuid) {
    super(NAME, VERSION, PROTOCOL);
    this.cpuCount = cpuCount;
    this.memoryCount = memoryCount;
    this.uuid = uuid;
  }

  /**
   * The node's own figures: {@code cpuCount} or, when 0, the processors the JVM sees; the machine's
   * physical memory; the uuid kept in {@code stateDir} (made there at the first start).
   */
  public static UniresisService of(int cpuCount, Path stateDir) {
    long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getTotalMemorySize() : Runtime.getRuntime().maxMemory();
    return new UniresisService(cpuCount > 0 ? cpuCount : Runtime.getRuntime().availableProcessors(), memory,
        nodeUuid(stateDir));
  }

  /** The uuid stored in {@code stateDir/uniresis.uuid}; a new one is written there (atomically) when it has none. */
  public static String nodeUuid(Path stateDir) {
    Path file = stateDir.resolve(UUID_FILE);
    try {
      if (Files.isRegularFile(file)) {
        String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
        try {
          return UUID.fromString(stored).toString();
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException("the node's uuid file " + file + " holds '" + stored
              + "', not a uuid: fix or remove it (a new uuid makes this a new node to uniresis callers)", e);
        }
      }
      Files.createDirectories(stateDir);
      String made = UUID.randomUUID().toString();
      Path tmp = Files.createTempFile(stateDir, UUID_FILE, ".tmp");
      Files.writeString(tmp, made + "\n", StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      return made;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the node's uuid in " + file + ": " + e.getMessage()
          + " (cocaine.services.uniresis.state-dir)", e);
    }
  }

  @Override
  protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    return Source.single(switch (first.type()) {
      case CPU_COUNT -> Message.value(Values.integer(cpuCount));
      case MEMORY_COUNT -> Message.value(Values.integer(memoryCount));
      case UUID_METHOD -> Message.value(Values.str(uuid));
      default -> throw noMethod(first);
    });
  }
}
