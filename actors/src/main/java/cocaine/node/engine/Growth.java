package cocaine.node.engine;

/**
 * How many workers an app's pool should have, from its queue and the profile's pool-limit and
 * grow-threshold (docs/protocol.md 3.6). No actors, no clock.
 */
record Growth(int poolLimit, int growThreshold, int floor) {
  Growth {
    if (poolLimit < 1 || growThreshold < 1 || floor < 0 || floor > poolLimit) {
      throw new IllegalArgumentException("poolLimit: " + poolLimit + ", growThreshold: " + growThreshold
          + ", floor: " + floor + " (expected: both >= 1, 0 <= floor <= poolLimit)");
    }
  }

  /** Without a floor: the pool may shrink to nothing. */
  Growth(int poolLimit, int growThreshold) {
    this(poolLimit, growThreshold, 0);
  }

  /**
   * The pool size wanted now: {@code clamp(ceil(queued / grow-threshold), 1, pool-limit)} while
   * events wait, or {@code pinned} (at most pool-limit) when control pinned it; 0 when nothing waits,
   * so the first enqueue spawns the first worker. Never below {@code floor} (the profile's
   * {@code publish-on}: an app published only with that many workers must start them itself).
   */
  int target(int queued, int pinned) {
    if (pinned > 0) {
      return Math.max(floor, Math.min(pinned, poolLimit));
    }
    if (queued == 0) {
      return floor;
    }
    int wanted = (int) ((queued + (long) growThreshold - 1) / growThreshold);
    return Math.max(Math.max(1, floor), Math.min(wanted, poolLimit));
  }

  /** Workers to start now given {@code live} ones (spawning or active). */
  int toSpawn(int queued, int pinned, int live) {
    return Math.max(0, target(queued, pinned) - live);
  }
}
