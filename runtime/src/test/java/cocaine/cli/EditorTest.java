package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The editor is chosen as the original chose it. */
class EditorTest {
  @Test
  void visualThenEditorThenTheSystemsEditor() {
    assertEquals("code --wait", Editor.command(Map.of("VISUAL", "code --wait", "EDITOR", "nano")));
    assertEquals("nano", Editor.command(Map.of("EDITOR", "nano", "VISUAL", " ")));
    assertTrue(List.of("/usr/bin/editor", "vi").contains(Editor.command(Map.of())));
  }
}
