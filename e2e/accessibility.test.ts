import { describe, test } from "node:test";
import { expectAccessible } from "./axe.ts";
import { browserSuite, DESKTOP, joinMeeting, PHONE, tile, waitFor } from "./browser.ts";

const suite = browserSuite();

describe("accessibility (axe-core) in Chromium", () => {
  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["375 px", PHONE],
  ] as const) {
    test(`landing, prejoin and meeting screens have no serious or critical violations (${label})`, async () => {
      const ada = await suite.participant(viewport);
      await ada.page.goto(suite.server.url);
      await ada.page.getByRole("button", { name: "New meeting" }).waitFor();
      await expectAccessible(ada.page, `landing (${label})`);

      await ada.page.getByRole("button", { name: "New meeting" }).click();
      await ada.page.getByRole("textbox", { name: "Your name" }).waitFor();
      await waitFor("the camera preview", () =>
        ada.page
          .locator(".preview video")
          .evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth > 0),
      );
      await expectAccessible(ada.page, `prejoin (${label})`);
      const link = ada.page.url();

      await joinMeeting(ada.page, link, "Ada");
      const ben = await suite.participant(viewport);
      await joinMeeting(ben.page, link, "Ben");
      await tile(ada.page, "Ben").waitFor({ timeout: 30_000 });
      await expectAccessible(ada.page, `meeting (${label})`);

      // With everything the meeting can show at once: chat with a link, a raised hand, a
      // reaction, a recording banner, the reaction picker, then the shortcuts dialog.
      await ben.page.getByRole("button", { name: "Raise hand" }).click();
      await ben.page.getByRole("button", { name: "Record" }).click();
      await ben.page.getByRole("button", { name: "Chat", exact: true }).click();
      const box = ben.page.getByRole("textbox", { name: "Message" });
      await box.fill("agenda: https://example.org/agenda");
      await box.press("Enter");
      await ada.page.getByRole("button", { name: "Chat", exact: true }).click();
      await ada.page.getByRole("list", { name: "Messages" }).getByRole("link").waitFor();
      await tile(ada.page, "Ben").getByText("raised").waitFor();
      await ada.page.getByText("Ben is recording").waitFor();
      await ada.page.getByRole("button", { name: "React" }).click();
      await ada.page.getByRole("button", { name: "Thumbs up" }).click();
      await expectAccessible(ada.page, `meeting with chat, hands, reactions, recording (${label})`);
      await ada.page.getByRole("button", { name: "Keyboard shortcuts" }).click();
      await ada.page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
      await expectAccessible(ada.page, `keyboard shortcuts dialog (${label})`);
    });
  }
});
