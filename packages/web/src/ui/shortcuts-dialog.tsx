import { useEffect, useRef } from "preact/hooks";
import { SHORTCUTS } from "../call/shortcuts.ts";

interface ShortcutsDialogProps {
  singleKeys: boolean;
  onSingleKeys: (on: boolean) => void;
  onClose: () => void;
}

/** The Keyboard shortcuts help, a modal dialog (focus stays inside until it closes). */
export function ShortcutsDialog({ singleKeys, onSingleKeys, onClose }: ShortcutsDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      class="shortcuts-dialog"
      aria-labelledby="shortcuts-title"
      onClose={onClose}
    >
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table class="shortcuts-table">
        <thead>
          <tr>
            <th scope="col">Keys</th>
            <th scope="col">Action</th>
          </tr>
        </thead>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>
                {s.keys.map((k, i) => (
                  <span key={k}>
                    {i > 0 && " or "}
                    <kbd>{k}</kbd>
                  </span>
                ))}
              </td>
              <td>{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="hint">On a Mac, ⌘ works in place of Ctrl.</p>
      <label class="check">
        <input
          type="checkbox"
          checked={singleKeys}
          onChange={(e) => onSingleKeys(e.currentTarget.checked)}
        />
        Single-key shortcuts (M, V, H, C, ?), outside text fields
      </label>
      <form method="dialog" class="button-row">
        <button type="submit" class="btn btn-primary">
          Close
        </button>
      </form>
    </dialog>
  );
}
