/**
 * The People panel as a host drives it in the e2e tests: each person's fitting action is a button,
 * the others sit in their "More actions for NAME" menu, and Remove asks first.
 */
import type { Page } from "playwright-core";

export async function openPeople(page: Page): Promise<void> {
  const button = page.getByRole("button", { name: "People", exact: true });
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
  await page.getByRole("heading", { name: /^People/ }).waitFor();
}

/** Picks `action` (its accessible name, "Make Bob co-host") from `person`'s menu. */
export async function menuAction(page: Page, person: string, action: string): Promise<void> {
  const more = page.getByRole("button", { name: `More actions for ${person}`, exact: true });
  if ((await more.getAttribute("aria-expanded")) !== "true") await more.click();
  await page.getByRole("menuitem", { name: action, exact: true }).click();
}

/** Remove NAME from their menu, then the confirmation's Remove. */
export async function removeMember(page: Page, person: string): Promise<void> {
  await menuAction(page, person, `Remove ${person}`);
  const dialog = page.getByRole("alertdialog", { name: `Remove ${person} from the meeting?` });
  await dialog.getByRole("button", { name: "Remove", exact: true }).click();
}
