package cocaine.cli;

import cocaine.client.StorageClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that is one piece of work on the storage service: {@link #run} gets a connection,
 * opened for it and closed after, and the command's output; the command exits 0 unless it throws.
 */
abstract class StorageCommand implements Callable<Integer> {
  @Mixin Target target;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public final Integer call() throws IOException {
    try (StorageClient storage = target.storage()) {
      run(storage, spec.commandLine().getOut());
    }
    return 0;
  }

  abstract void run(StorageClient storage, PrintWriter out) throws IOException;

  /** A storage command on one stored object, named with {@code -n}. */
  abstract static class Named extends StorageCommand {
    @Option(names = {"-n", "--name"}, required = true) String name;
  }
}
