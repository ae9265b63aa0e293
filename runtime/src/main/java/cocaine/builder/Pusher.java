package cocaine.builder;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.List;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.server.auth.pubkey.AuthorizedKeyEntriesPublickeyAuthenticator;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.session.ServerSession;

/**
 * Who is pushing, as the SSH session authenticated them: the key (fingerprint and the entry's
 * comment, for messages and logs) and the apps its authorized_keys entry lets it push and fetch.
 *
 * @param key   {@code SHA256:...} and, when the entry has one, its comment in parentheses
 * @param scope what the key may push
 */
record Pusher(String key, PushScope scope) {

  /**
   * The key that signed this session's authentication and the authorized_keys entry that let it in.
   * When the two cannot be matched (no entry recorded, or one of another key) the pusher may push
   * nothing: a scope is never taken from an entry that is not the signing key's.
   */
  static Pusher of(ServerSession session, boolean allowUnscoped) {
    List<PublicKey> signed = session.getAttribute(UserAuthPublicKey.AUTHENTICATED_KEYS);
    PublicKey key = signed == null || signed.isEmpty() ? null : signed.get(signed.size() - 1);
    AuthorizedKeyEntry entry = session.getAttribute(AuthorizedKeyEntriesPublickeyAuthenticator.AUTHORIZED_KEY);
    if (key == null) {
      return new Pusher("?", PushScope.none("the session has no authenticated key"));
    }
    String name = KeyUtils.getFingerPrint(key);
    if (entry == null || !sameKey(session, entry, key)) {
      return new Pusher(name, PushScope.none("the builder cannot tell which authorized_keys entry let it in"));
    }
    String comment = entry.getComment() == null ? "" : entry.getComment().trim();
    return new Pusher(comment.isEmpty() ? name : name + " (" + comment + ")",
        PushScope.of(entry.getLoginOptions(), allowUnscoped));
  }

  private static boolean sameKey(ServerSession session, AuthorizedKeyEntry entry, PublicKey key) {
    try {
      return KeyUtils.compareKeys(entry.resolvePublicKey(session, PublicKeyEntryResolver.FAILING), key);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }
}
