import { focusOnMount } from "./focus-on-mount.ts";

/** Asks before an action that cannot be undone; Escape or Cancel backs out. */
export function ConfirmDialog(props: {
  id: string;
  title: string;
  text: string;
  confirmLabel: string;
  onCancel: () => void;
  onConfirm: () => void;
}) {
  return (
    <div
      class="confirm-dialog"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby={`${props.id}-title`}
      aria-describedby={`${props.id}-text`}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          props.onCancel();
        }
      }}
    >
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      <p id={`${props.id}-text`}>{props.text}</p>
      <div class="button-row">
        <button type="button" class="btn" ref={focusOnMount} onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" class="btn btn-danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </button>
      </div>
    </div>
  );
}
