package cocaine.node.engine;

/**
 * How many workers an app's pool should have, from its queue and the profile's pool-limit and
 * grow-threshold (PROTOCOL.md 3.6). No actors, no clock.
 */
record Growth(int poolLimit, int growThreshold) {
  Growth {
    if (poolLimit < 1 || growThreshold < 1) {
      throw new IllegalArgumentException("poolLimit: " + poolLimit + ", growThreshold: " + growThreshold
          + " (expected: both >= 1)");
    }
  }

  /**
   * The pool size wanted now: {@code clamp(ceil(queued / grow-threshold), 1, pool-limit)} while
   * events wait, or {@code pinned} (at most pool-limit) when control pinned it; 0 when nothing waits,
   * so the first enqueue spawns the first worker.
   */
  int target(int queued, int pinned) {
    if (pinned > 0) {
      return Math.min(pinned, poolLimit);
    }
    if (queued == 0) {
      return 0;
    }
    int wanted = (int) ((queued + (long) growThreshold - 1) / growThreshold);
    return Math.max(1, Math.min(wanted, poolLimit));
  }

  /** Workers to start now given {@code live} ones (spawning or active). */
  int toSpawn(int queued, int pinned, int live) {
    return Math.max(0, target(queued, pinned) - live);
  }
}
