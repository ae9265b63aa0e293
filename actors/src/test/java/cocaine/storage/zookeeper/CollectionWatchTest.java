package cocaine.storage.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

/** Which cache events of a watched collection are told as changes of its keys, without ZooKeeper. */
class CollectionWatchTest {
  static final String BASE = "/cocaine/groups/";

  static ChildData at(String path) {
    return new ChildData(path, new Stat(), new byte[0]);
  }

  @Test
  void onlyZnodesRightUnderTheCollectionAreKeys() {
    List<StorageChange> seen = new ArrayList<>();
    CollectionWatch.emit(BASE, "groups", at("/cocaine/groups"), StorageChange.Kind.CREATED, seen::add);
    CollectionWatch.emit(BASE, "groups", at("/cocaine/groups/app"), StorageChange.Kind.CHANGED, seen::add);
    CollectionWatch.emit(BASE, "groups", at("/cocaine/groups/app/deeper"), StorageChange.Kind.CREATED, seen::add);
    CollectionWatch.emit(BASE, "groups", at("/cocaine/groupsmore/x"), StorageChange.Kind.CREATED, seen::add);
    assertEquals(List.of(new StorageChange("groups", "app", StorageChange.Kind.CHANGED)), seen);
  }

  @Test
  void aFailingListenerDoesNotStopTheNextEvent() {
    List<StorageChange> seen = new ArrayList<>();
    CollectionWatch.emit(BASE, "groups", at(BASE + "a"), StorageChange.Kind.CREATED, c -> {
      throw new IllegalStateException("listener bug");
    });
    CollectionWatch.emit(BASE, "groups", at(BASE + "b"), StorageChange.Kind.REMOVED, seen::add);
    assertEquals(List.of(new StorageChange("groups", "b", StorageChange.Kind.REMOVED)), seen);
  }
}
