package cocaine.cli;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The user's text editor, chosen as the original's interactive commands chose it: {@code $VISUAL},
 * else {@code $EDITOR}, else {@code /usr/bin/editor}, else {@code vi}. It runs on this terminal and
 * the command waits for it to exit.
 */
final class Editor {
  private Editor() {}

  /** The editor command for {@code env}; may hold arguments, e.g. {@code code --wait}. */
  static String command(Map<String, String> env) {
    for (String name : new String[] {"VISUAL", "EDITOR"}) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return Files.isExecutable(Path.of("/usr/bin/editor")) ? "/usr/bin/editor" : "vi";
  }

  /** Opens {@code file} in the editor and waits for it; an editor that fails changes nothing stored. */
  static void edit(Path file) throws IOException, InterruptedException {
    String editor = command(System.getenv());
    // through sh, so that an editor given with arguments ("code --wait") works as in the original
    Process p = new ProcessBuilder("sh", "-c", editor + " \"$1\"", "editor", file.toString()).inheritIO().start();
    int exit = p.waitFor();
    if (exit != 0) {
      throw new CocaineException(ErrorCode.IO_ERROR, "the editor '" + editor + "' exited with " + exit
          + "; nothing was stored (set $VISUAL or $EDITOR to the editor you want)");
    }
  }

  /**
   * Writes {@code shown} as JSON to a new file named {@code prefix...json}, opens it in the editor
   * and returns it once the editor exits; the caller reads the edit and deletes the file. The file
   * is deleted when the editor fails.
   */
  static Path editAsJson(Object shown, String prefix) throws IOException, InterruptedException {
    Path file = Files.createTempFile(prefix, ".json");
    Files.writeString(file, Printer.JSON.writeValueAsString(shown) + "\n");
    try {
      edit(file);
    } catch (IOException | InterruptedException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
    return file;
  }
}
