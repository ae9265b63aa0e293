package cocaine.node.slot;

import cocaine.model.Profile;
import cocaine.node.isolate.Isolate;
import cocaine.storage.Storage;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every slot of one app shares: the app's name and profile, its isolate and worker pipe, the
 * locator endpoints and environment handed to workers, and where crashlogs go.
 *
 * @param locator the {@code --locator} argument: {@code host:port[,host:port...]}
 * @param environment the manifest's {@code environment}
 */
public record SlotSettings(String app, Profile profile, Isolate isolate, WorkerListener pipe, String locator,
    Map<String, String> environment, Storage storage) {
  public SlotSettings {
    environment = Map.copyOf(environment);
  }

  /** The command-line arguments of the worker {@code uuid}, in sorted key order as the C++ runtime passes them. */
  TreeMap<String, String> workerArguments(String uuid) {
    TreeMap<String, String> args = new TreeMap<>();
    args.put("app", app);
    args.put("endpoint", pipe.path().toString());
    args.put("locator", locator);
    args.put("protocol", "1");
    args.put("uuid", uuid);
    return args;
  }
}
