package cocaine.cluster.metalocator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** The fake nodes of one test and what else it must close: metalocators first, then the nodes. */
final class Peers implements AutoCloseable {
  private final ActorTestKit kit;
  private final Path dir;
  private final List<AutoCloseable> closing = new ArrayList<>();

  Peers(ActorTestKit kit, Path dir) {
    this.kit = kit;
    this.dir = dir;
  }

  FakeNode node(String uuid) throws Exception {
    return node(uuid, Map.of(), 0);
  }

  /** @param port 0 for an ephemeral port */
  FakeNode node(String uuid, Map<String, Object> extra, int port) throws Exception {
    FakeNode n = FakeNode.start(kit, uuid, extra, dir.resolve(uuid + "-" + closing.size()), port);
    closing.add(n);
    return n;
  }

  /** Closed at the end, after what came before it. */
  <T extends AutoCloseable> T closeLast(T c) {
    closing.add(c);
    return c;
  }

  /** Closed before everything else: a metalocator's links stop before the nodes go. */
  void closeFirst(AutoCloseable c) {
    closing.add(0, c);
  }

  @Override
  public void close() {
    for (AutoCloseable c : closing) {
      try {
        c.close();
      } catch (Exception e) {
        // already closed by the test
      }
    }
  }
}
