package cocaine.cluster;

import java.util.Optional;

/**
 * What a balancer makes of one datagram on the announce group: an announce it admits, or a refusal
 * with its reason. Without a cluster key every well-formed announce is admitted, signed or not, and
 * bytes after it are ignored (the original runtime's behaviour). With a key only announces signed
 * with it, fresh and not seen before are admitted ({@link AnnounceKey}, {@link ReplayGuard}). Pure
 * and single-threaded (the receiver's thread); time is passed in.
 */
public final class AnnounceGate {
  /** What the gate made of a datagram. */
  public sealed interface Verdict {}

  /** A well-formed announce, signed with the key when there is one. */
  public record Admitted(Announce announce) implements Verdict {}

  /** Not admitted; {@code reason} names the claimed node when the announce could be read. */
  public record Refused(String reason) implements Verdict {}

  private final Optional<AnnounceKey> key;
  private final Optional<ReplayGuard> replays;

  private AnnounceGate(Optional<AnnounceKey> key) {
    this.key = key;
    this.replays = key.map(k -> new ReplayGuard(k.window()));
  }

  /** A gate that admits every well-formed announce (no cluster key). */
  public static AnnounceGate open() {
    return new AnnounceGate(Optional.empty());
  }

  /** A gate that admits only announces signed with {@code key}, fresh and not seen before. */
  public static AnnounceGate signedWith(AnnounceKey key) {
    return new AnnounceGate(Optional.of(key));
  }

  /** {@link #open()} or {@link #signedWith} as the key says. */
  public static AnnounceGate of(Optional<AnnounceKey> key) {
    return key.map(AnnounceGate::signedWith).orElseGet(AnnounceGate::open);
  }

  /** True when only signed announces are admitted. */
  public boolean requiresSignature() {
    return key.isPresent();
  }

  /** The verdict on {@code datagram[0, length)} heard at {@code nowMillis} (this host's wall clock). */
  public Verdict check(byte[] datagram, int length, long nowMillis) {
    Announce announce;
    int payload;
    try {
      payload = Announce.payloadLength(datagram, length);
      announce = Announce.decode(datagram, payload);
    } catch (Announce.MalformedAnnounceException e) {
      return new Refused("malformed announce: " + e.getMessage());
    }
    if (key.isEmpty()) {
      return new Admitted(announce);
    }
    String node = "node '" + announce.uuid() + "'";
    Optional<AnnounceKey.Signature> signature;
    try {
      signature = AnnounceKey.read(datagram, payload, length);
    } catch (AnnounceKey.SignatureException e) {
      return new Refused("badly signed announce of " + node + ": " + e.getMessage());
    }
    if (signature.isEmpty()) {
      return new Refused("unsigned announce of " + node + ": this balancer admits only announces signed with "
          + "cocaine.locator.cluster.announce-key (is the key set on that node?)");
    }
    if (!key.get().signed(datagram, payload, signature.get())) {
      return new Refused("wrongly signed announce of " + node + ": not signed with this balancer's "
          + "cocaine.locator.cluster.announce-key (another key, or a forged or altered announce)");
    }
    Optional<String> stale = replays.get().admit(announce.uuid(), signature.get().timestampMillis(),
        signature.get().sequence(), nowMillis);
    if (stale.isPresent()) {
      return new Refused(stale.get());
    }
    return new Admitted(announce);
  }
}
