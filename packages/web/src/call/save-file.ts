/** Hands a file made on this device to the browser's downloads: it never passes the server. */
export function saveFile(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  // The download has read the URL by then; a large recording may take a moment to hand over.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
