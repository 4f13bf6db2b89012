import { useRef, useState } from "preact/hooks";

export interface MenuItem {
  /** What the item says, naming the person ("Remove Bo"): its accessible name too. */
  readonly label: string;
  readonly danger?: boolean;
  onSelect(): void;
}

/**
 * A person's less used actions behind one "More actions for NAME" button, as a menu button (WAI-ARIA
 * APG "Menu Button"): Enter, Space or Arrow Down opens it on the first item, the arrows, Home and
 * End move, Escape closes it and returns to the button, Tab or a click elsewhere closes it.
 */
export function PersonMenu({ name, items }: { name: string; items: readonly MenuItem[] }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLDivElement>(null);
  const menuItems = () => [
    ...(list.current?.querySelectorAll<HTMLButtonElement>("[role=menuitem]") ?? []),
  ];
  const focusItem = (at: (count: number, current: number) => number) => {
    const all = menuItems();
    const current = all.indexOf(document.activeElement as HTMLButtonElement);
    all[(at(all.length, current) + all.length) % all.length]?.focus();
  };
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  const id = `menu-${name.replace(/\W+/g, "-")}-${items.length}`;
  if (items.length === 0) return null;
  return (
    <div
      class="person-menu"
      onFocusOut={(e) => {
        const to = e.relatedTarget as Node | null;
        if (open && (to === null || !e.currentTarget.contains(to))) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        class="btn btn-small btn-ghost"
        aria-label={`More actions for ${name}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen(!open)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        More…
      </button>
      {open && (
        <div
          id={id}
          ref={(el) => {
            list.current = el;
            // Opened: focus goes to the first item.
            if (el && !el.contains(document.activeElement)) {
              el.querySelector<HTMLButtonElement>("[role=menuitem]")?.focus();
            }
          }}
          class="menu"
          role="menu"
          aria-label={`Actions for ${name}`}
          onKeyDown={(e) => {
            const moves: Record<string, (n: number, i: number) => number> = {
              ArrowDown: (_, i) => i + 1,
              ArrowUp: (_, i) => i - 1,
              Home: () => 0,
              End: (n) => n - 1,
            };
            const move = moves[e.key];
            if (move) {
              e.preventDefault();
              focusItem(move);
            } else if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              close(true);
            } else if (e.key === "Tab") setOpen(false);
          }}
        >
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              class={item.danger ? "menu-item menu-item-danger" : "menu-item"}
              onClick={() => {
                close(true);
                item.onSelect();
              }}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
