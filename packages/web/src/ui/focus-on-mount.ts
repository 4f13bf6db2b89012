/**
 * A `ref` that moves focus to an element when it appears: a heading of a screen or panel that
 * replaces what the user was using, so keyboard and screen reader users land in the new place.
 */
export function focusOnMount(element: HTMLElement | null): void {
  element?.focus({ preventScroll: true });
}
