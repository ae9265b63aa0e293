package cocaine.locator;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.Optional;
import java.util.Set;

/**
 * Who may publish a name over whom (docs/security.md, "Names and secrets"): this runtime always
 * may; a peer never over the platform's own names ({@link #CORE} and whatever this runtime has
 * published), and, when owners are enforced (access control on), never over another peer's. Pure;
 * the {@link Locator} actor applies it.
 */
final class NameClaims {
  /** The services every runtime serves itself: never published from the wire, even before they are bound. */
  static final Set<String> CORE = Set.of("locator", "storage", "logging", "node");

  private NameClaims() {}

  /** The answer to a claim: granted, or refused with the error the claimant gets. */
  sealed interface Verdict {
    record Granted() implements Verdict {}

    record Refused(CocaineException error) implements Verdict {}
  }

  static final Verdict GRANTED = new Verdict.Granted();

  /**
   * @param current who holds the name now, if anybody
   * @param enforceOwners true when a peer's name belongs to that peer alone (access control on);
   *     false keeps the original's behaviour, where a later publish replaces an earlier one
   */
  static Verdict claim(String name, Optional<Owner> current, Owner claimant, boolean enforceOwners) {
    if (claimant instanceof Owner.Platform) {
      return GRANTED;
    }
    if (CORE.contains(name) || current.filter(o -> o instanceof Owner.Platform).isPresent()) {
      return refused("locator.publish('" + name + "') was refused: '" + name + "' is a service of this node "
          + "itself; it cannot be published or replaced over the wire");
    }
    if (enforceOwners && current.isPresent() && !current.get().equals(claimant)) {
      return refused("locator.publish('" + name + "') was refused: '" + name + "' is published by "
          + current.get() + "; only that connection may replace it, and it is withdrawn when that publisher "
          + "discards its publish or disconnects");
    }
    return GRANTED;
  }

  private static Verdict refused(String message) {
    return new Verdict.Refused(new CocaineException(ErrorCode.PERMISSION_DENIED, message));
  }
}
