package cocaine.node.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class GrowthTest {
  final Growth growth = new Growth(4, 5);

  @Test
  void nothingQueuedWantsNoWorkersSoTheFirstEnqueueSpawnsTheFirst() {
    assertEquals(0, growth.target(0, 0));
    assertEquals(1, growth.target(1, 0));
  }

  @Test
  void targetIsTheQueueOverTheThresholdRoundedUpAndClampedToThePoolLimit() {
    assertEquals(1, growth.target(5, 0));
    assertEquals(2, growth.target(6, 0));
    assertEquals(4, growth.target(100, 0));
  }

  @Test
  void publishOnIsAFloorTheQueueAndAPinCannotGoBelow() {
    Growth floored = new Growth(4, 5, 2);
    assertEquals(2, floored.target(0, 0));
    assertEquals(2, floored.target(6, 0));
    assertEquals(3, floored.target(11, 0));
    assertEquals(2, floored.target(0, 1));
    assertEquals(2, floored.toSpawn(0, 0, 0));
  }

  @Test
  void onlyTheMissingWorkersAreSpawned() {
    assertEquals(1, growth.toSpawn(6, 0, 1));
    assertEquals(0, growth.toSpawn(6, 0, 3));
  }

  @Test
  void aPinnedSizeWinsOverTheQueueButNotOverThePoolLimit() {
    assertEquals(3, growth.target(0, 3));
    assertEquals(4, growth.target(0, 9));
    assertEquals(2, growth.toSpawn(0, 3, 1));
  }
}
