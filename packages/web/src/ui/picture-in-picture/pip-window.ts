/**
 * The picture-in-picture window: Document Picture-in-Picture where the browser has it (a small
 * always-on-top page of our own, with the person's name), else the video element's own
 * picture-in-picture (video only). Both show a stream the page already decrypted: nothing new is
 * received, and the keys stay in the worker.
 */
import type { PipTarget } from "../../call/pip-target.ts";

export type PipKind = "document" | "video";

export interface PipWindow {
  readonly kind: PipKind;
  /** Shows this tile now (the stage's speaker or pin changed). */
  show(target: PipTarget): void;
  close(): void;
}

interface DocumentPictureInPicture {
  requestWindow(options?: { width?: number; height?: number }): Promise<Window>;
  readonly window: Window | null;
}

function documentPip(): DocumentPictureInPicture | undefined {
  return (globalThis as { documentPictureInPicture?: DocumentPictureInPicture })
    .documentPictureInPicture;
}

/** Which kind this browser can open, if any. */
export function pipKind(): PipKind | null {
  if (documentPip() !== undefined) return "document";
  return document.pictureInPictureEnabled ? "video" : null;
}

const WAIT_FOR_VIDEO_MS = 3000;

/** Resolves once the video knows its size (picture-in-picture needs it), or fails after a while. */
function metadataOf(video: HTMLVideoElement): Promise<void> {
  if (video.readyState >= HTMLMediaElement.HAVE_METADATA) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no video to show")), WAIT_FOR_VIDEO_MS);
    video.addEventListener(
      "loadedmetadata",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

async function openDocumentPip(
  pip: DocumentPictureInPicture,
  target: PipTarget,
  onClosed: () => void,
): Promise<PipWindow> {
  const win = await pip.requestWindow({ width: 360, height: 240 });
  const doc = win.document;
  doc.documentElement.lang = document.documentElement.lang || "en";
  doc.title = "Conclave";
  // The app's own styles (same origin, so the CSP allows them), for the classes below.
  for (const sheet of document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')) {
    doc.head.append(sheet.cloneNode() as HTMLLinkElement);
  }
  doc.body.className = "pip-body";
  const figure = doc.createElement("figure");
  figure.className = "pip-figure";
  const video = doc.createElement("video");
  video.className = "pip-video";
  video.autoplay = true;
  video.muted = true; // their audio keeps playing in the meeting page
  video.playsInline = true;
  const initial = doc.createElement("div");
  initial.className = "pip-avatar";
  initial.setAttribute("aria-hidden", "true");
  const caption = doc.createElement("figcaption");
  caption.className = "pip-caption";
  figure.append(video, initial, caption);
  doc.body.append(figure);
  win.addEventListener("pagehide", onClosed, { once: true });
  const show = (t: PipTarget) => {
    figure.setAttribute("aria-label", t.label);
    figure.dataset.tile = t.key;
    caption.textContent = t.label;
    initial.textContent = [...t.label.trim()][0]?.toUpperCase() ?? "?";
    if (video.srcObject !== t.stream) video.srcObject = t.stream;
    video.hidden = !t.video;
    initial.hidden = t.video;
  };
  show(target);
  return { kind: "document", show, close: () => win.close() };
}

async function openVideoPip(target: PipTarget, onClosed: () => void): Promise<PipWindow> {
  if (target.stream === null) throw new Error("no video to show");
  const video = document.createElement("video");
  video.className = "pip-source";
  video.setAttribute("aria-hidden", "true");
  video.muted = true;
  video.playsInline = true;
  video.srcObject = target.stream;
  document.body.append(video);
  const closed = () => {
    video.srcObject = null;
    video.remove();
    onClosed();
  };
  try {
    await video.play();
    await metadataOf(video);
    await video.requestPictureInPicture();
  } catch (error) {
    video.remove();
    throw error;
  }
  video.dataset.tile = target.key;
  video.addEventListener("leavepictureinpicture", closed, { once: true });
  return {
    kind: "video",
    // A tile without video leaves the last picture up: the window cannot show a name.
    show: (t) => {
      if (t.stream === null || video.srcObject === t.stream) return;
      video.srcObject = t.stream;
      video.dataset.tile = t.key;
      void video.play().catch(() => {});
    },
    close: () => {
      if (document.pictureInPictureElement === video) void document.exitPictureInPicture();
      else closed();
    },
  };
}

/** Opens the window on `target`; `onClosed` runs when it closes, whoever closed it. */
export function openPip(target: PipTarget, onClosed: () => void): Promise<PipWindow> {
  const pip = documentPip();
  return pip !== undefined
    ? openDocumentPip(pip, target, onClosed)
    : openVideoPip(target, onClosed);
}
