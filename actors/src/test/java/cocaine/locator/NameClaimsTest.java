package cocaine.locator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NameClaimsTest {
  static final Owner.Peer ALICE = new Owner.Peer(7, "10.0.0.7:4000");
  static final Owner.Peer MALLORY = new Owner.Peer(9, "10.0.0.9:5000");

  static CocaineException refusal(NameClaims.Verdict v) {
    return assertInstanceOf(NameClaims.Verdict.Refused.class, v).error();
  }

  @Test
  void coreNamesAreRefusedToPeersEvenBeforeThePlatformPublishesThem() {
    for (String name : new String[] {"locator", "storage", "logging", "node"}) {
      for (boolean enforce : new boolean[] {true, false}) {
        CocaineException e = refusal(NameClaims.claim(name, Optional.empty(), MALLORY, enforce));
        assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
        assertTrue(e.getMessage().contains("'" + name + "' is a service of this node itself"), e.getMessage());
      }
    }
  }

  @Test
  void whatThePlatformPublishedIsRefusedToPeersWithOrWithoutOwnersEnforced() {
    assertEquals(ErrorCode.PERMISSION_DENIED, refusal(NameClaims.claim("echo", Optional.of(Owner.PLATFORM), MALLORY, false)).code());
    assertEquals(ErrorCode.PERMISSION_DENIED, refusal(NameClaims.claim("echo", Optional.of(Owner.PLATFORM), MALLORY, true)).code());
  }

  @Test
  void thePlatformMayAlwaysPublish() {
    assertEquals(NameClaims.GRANTED, NameClaims.claim("storage", Optional.of(MALLORY), Owner.PLATFORM, true));
    assertEquals(NameClaims.GRANTED, NameClaims.claim("echo", Optional.of(ALICE), Owner.PLATFORM, true));
  }

  @Test
  void withOwnersEnforcedOnlyTheOwningConnectionReplacesItsName() {
    CocaineException e = refusal(NameClaims.claim("extern", Optional.of(ALICE), MALLORY, true));
    assertEquals(ErrorCode.PERMISSION_DENIED, e.code());
    assertTrue(e.getMessage().contains("published by peer 10.0.0.7:4000 (connection 7)"), e.getMessage());
    assertEquals(NameClaims.GRANTED, NameClaims.claim("extern", Optional.of(ALICE), ALICE, true));
    assertEquals(NameClaims.GRANTED, NameClaims.claim("extern", Optional.of(ALICE), new Owner.Peer(7, "10.0.0.7:4000"), true));
    assertEquals(NameClaims.GRANTED, NameClaims.claim("extern", Optional.empty(), MALLORY, true));
  }

  @Test
  void withoutOwnersEnforcedALaterPeerReplacesAnEarlierOneAsTheOriginalDoes() {
    assertEquals(NameClaims.GRANTED, NameClaims.claim("extern", Optional.of(ALICE), MALLORY, false));
  }
}
