/**
 * The background choices: none, a blur of the camera's own picture, or one of the built-in
 * images, which the app serves from its own origin (public/backdrops/).
 */

export const BACKDROP_IMAGES = {
  dawn: { label: "Hills at dawn", url: "/backdrops/dawn.svg" },
  study: { label: "Study", url: "/backdrops/study.svg" },
} as const;

export type BackdropImageId = keyof typeof BACKDROP_IMAGES;
export type BackgroundChoice = "none" | "blur" | BackdropImageId;

export const BACKGROUND_CHOICES: readonly BackgroundChoice[] = ["none", "blur", "dawn", "study"];

export function isBackgroundChoice(value: unknown): value is BackgroundChoice {
  return typeof value === "string" && (BACKGROUND_CHOICES as readonly string[]).includes(value);
}

const loaded = new Map<BackdropImageId, Promise<ImageBitmap>>();

/** Decodes a built-in image once per page. */
export function loadBackdropImage(id: BackdropImageId): Promise<ImageBitmap> {
  let image = loaded.get(id);
  if (!image) {
    const element = new Image();
    element.src = BACKDROP_IMAGES[id].url;
    image = element.decode().then(() => createImageBitmap(element));
    image.catch(() => loaded.delete(id));
    loaded.set(id, image);
  }
  return image;
}
