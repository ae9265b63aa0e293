package cocaine.locator;

/**
 * Who published a name in the locator: this runtime itself (its own services and the apps it runs,
 * published in-process) or one peer connection, over the wire with {@code locator.publish}. A name
 * is replaced or withdrawn only by its owner ({@link NameClaims}, docs/security.md).
 */
public sealed interface Owner {
  /** This runtime: the locator, storage, logging and node services and the node's apps. */
  Owner PLATFORM = new Platform();

  /** This runtime; use {@link #PLATFORM}. */
  record Platform() implements Owner {
    @Override
    public String toString() {
      return "this node";
    }
  }

  /**
   * A peer's connection: what it publishes is withdrawn when it discards or disconnects.
   *
   * @param connectionId the connection, unique in this process
   * @param address the peer's address, for messages
   */
  record Peer(long connectionId, String address) implements Owner {
    @Override
    public String toString() {
      return "peer " + address + " (connection " + connectionId + ")";
    }
  }
}
