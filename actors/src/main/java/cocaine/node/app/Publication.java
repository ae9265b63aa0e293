package cocaine.node.app;

import cocaine.model.Profile;

/**
 * Whether an app's service is in the locator and when that changes (docs/protocol.md 3.6): the
 * start publishes it once {@code publish-on} workers are active; afterwards it is unpublished below
 * {@code unpublish-under} active workers and published again at {@code publish-on} (at least one),
 * each rule only with its field above 0. One change at a time: the next waits until the last is
 * done. Immutable; no actors, no locator.
 *
 * @param active the engine's last count of active workers
 * @param published the locator has the service (as far as the last change that worked says)
 * @param changing a publish or unpublish is on its way
 */
record Publication(int publishOn, int unpublishUnder, int active, boolean published, boolean changing) {
  /** What to ask of the locator now. */
  enum Change { NONE, PUBLISH, UNPUBLISH }

  Publication {
    if (publishOn < 0 || unpublishUnder < 0 || active < 0) {
      throw new IllegalArgumentException("publishOn: " + publishOn + ", unpublishUnder: " + unpublishUnder
          + ", active: " + active + " (expected: all >= 0)");
    }
  }

  /** Before the start: not published, no worker active yet. */
  static Publication of(Profile profile) {
    return new Publication(profile.publishOn(), profile.unpublishUnder(), 0, false, false);
  }

  Publication withActive(int count) {
    return new Publication(publishOn, unpublishUnder, count, published, changing);
  }

  /** The start may publish: {@code publish-on} is 0 or that many workers are active. */
  boolean startMayPublish() {
    return publishOn == 0 || active >= publishOn;
  }

  /** The start published the service. */
  Publication started() {
    return new Publication(publishOn, unpublishUnder, active, true, false);
  }

  /** The change due now, given the active workers; none while one is on its way. */
  Change due() {
    if (changing) {
      return Change.NONE;
    }
    if (published && unpublishUnder > 0 && active < unpublishUnder) {
      return Change.UNPUBLISH;
    }
    if (!published && active >= Math.max(1, publishOn)) {
      return Change.PUBLISH;
    }
    return Change.NONE;
  }

  /** {@code change} went out to the locator; nothing else goes until it {@link #changed} or {@link #failed}. */
  Publication begun(Change change) {
    return change == Change.NONE ? this : new Publication(publishOn, unpublishUnder, active, published, true);
  }

  /**
   * The locator may have the service: it is published, or a change is on its way (which may be a
   * publish that lands later). A stop withdraws it then, as withdrawing an unknown name is harmless.
   */
  boolean mayBePublished() {
    return published || changing;
  }

  /** The change on its way worked: the service is now {@code published} or not. */
  Publication changed(boolean nowPublished) {
    return new Publication(publishOn, unpublishUnder, active, nowPublished, false);
  }

  /** The change on its way failed: the service stays as it was; the next change may go. */
  Publication failed() {
    return new Publication(publishOn, unpublishUnder, active, published, false);
  }
}
