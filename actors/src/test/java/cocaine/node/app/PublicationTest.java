package cocaine.node.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.node.app.Publication.Change;
import org.junit.jupiter.api.Test;

class PublicationTest {
  /** publish-on 2, unpublish-under 1, running and published with two workers. */
  final Publication running = new Publication(2, 1, 0, false, false).withActive(2).started();

  @Test
  void theStartPublishesAtOnceWithoutPublishOnAndOtherwiseWaitsForThatManyWorkers() {
    assertTrue(new Publication(0, 0, 0, false, false).startMayPublish());
    Publication waiting = new Publication(2, 0, 0, false, false);
    assertFalse(waiting.startMayPublish());
    assertFalse(waiting.withActive(1).startMayPublish());
    assertTrue(waiting.withActive(2).startMayPublish());
  }

  @Test
  void belowUnpublishUnderItIsUnpublishedAndAtPublishOnPublishedAgain() {
    assertEquals(Change.NONE, running.due());
    Publication lost = running.withActive(0);
    assertEquals(Change.UNPUBLISH, lost.due());
    Publication unpublished = lost.begun(Change.UNPUBLISH).changed(false);
    assertEquals(Change.NONE, unpublished.withActive(1).due(), "one worker is below publish-on 2");
    assertEquals(Change.PUBLISH, unpublished.withActive(2).due());
  }

  @Test
  void aStopWhileAPublishIsOnItsWayWithdrawsTheServiceAsWellAsWhenPublished() {
    Publication unpublished = running.withActive(0).begun(Change.UNPUBLISH).changed(false);
    assertFalse(unpublished.mayBePublished());
    Publication republishing = unpublished.withActive(2).begun(unpublished.withActive(2).due());
    assertTrue(republishing.mayBePublished(), "a publish on its way may land after the stop");
    assertTrue(running.mayBePublished());
  }

  @Test
  void withoutUnpublishUnderItStaysPublishedWithNoWorkers() {
    Publication published = new Publication(0, 0, 0, false, false).started();
    assertEquals(Change.NONE, published.due());
    assertEquals(Change.NONE, published.withActive(5).withActive(0).due());
  }

  @Test
  void unpublishedWithoutPublishOnItIsPublishedAgainWithOneWorker() {
    Publication unpublished = new Publication(0, 0, 0, true, false).changed(false);
    assertEquals(Change.NONE, unpublished.due());
    assertEquals(Change.PUBLISH, unpublished.withActive(1).due());
  }

  @Test
  void oneChangeAtATimeAndAFailedOneLeavesTheServiceAsItWas() {
    Publication unpublishing = running.withActive(0).begun(Change.UNPUBLISH);
    assertEquals(Change.NONE, unpublishing.due(), "the unpublish is on its way");
    assertEquals(Change.NONE, unpublishing.withActive(2).due(), "still on its way when workers come back");
    Publication failed = unpublishing.failed();
    assertTrue(failed.published());
    assertEquals(Change.UNPUBLISH, failed.due(), "tried again on the next change");
    assertEquals(unpublishing, unpublishing.begun(Change.NONE), "nothing went out");
  }

  @Test
  void negativeFieldsAreRefusedWithTheirValues() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Publication(-1, 0, 0, false, false));
    assertEquals("publishOn: -1, unpublishUnder: 0, active: 0 (expected: all >= 0)", e.getMessage());
  }
}
