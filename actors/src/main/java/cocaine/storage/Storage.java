package cocaine.storage;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * A storage backend: blobs by collection and key, with tags for {@code find} (docs/protocol.md 2.6, 4.1).
 * Failures complete the stage with a {@link cocaine.wire.CocaineException}: a missing key is
 * {@code [12, 2]}, an invalid collection or key {@code [12, 22]}.
 */
public interface Storage {
  CompletionStage<byte[]> read(String collection, String key);

  /** Replaces the value atomically: a reader sees the old value or the new one, never a mix. */
  CompletionStage<Void> write(String collection, String key, byte[] blob, List<String> tags);

  /** Removing a missing key succeeds. */
  CompletionStage<Void> remove(String collection, String key);

  /** Keys of the collection that carry all the given tags. */
  CompletionStage<List<String>> find(String collection, List<String> tags);
}
